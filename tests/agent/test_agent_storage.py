"""Outbox, sealing, keyring credentials, installer and the private socket."""

from __future__ import annotations

import asyncio
import io
import json
import os
import stat
import subprocess
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from keyring.backend import KeyringBackend

from agent.config import FIREFOX_ADDON_ID, HOST_NAME, AgentConfig
from agent.credentials import Credentials, StoredLogin, refusal
from agent.errors import AgentError, KeyringUnavailable, NotLoggedIn
from agent.framing import FrameDecoder
from agent.installer import install, launcher_text, manifest_dir_for, uninstall
from agent.ipc import (
    connect,
    listen,
    peer_is_this_user,
    read_message,
    take_instance_lock,
    write_message,
)
from agent.native_host import BrowserSide
from agent.outbox import Command, DuplicateCommand, Outbox
from agent.sealing import Sealer
from bridge.extension_build import CHROMIUM_EXTENSION_ID


def make_command(key: str, op: str = "entries.create", notes: str = "secret plan") -> Command:
    return Command(key=key, account="acct", op=op, method="POST", path="/entries",
                   body={"task_id": 1, "notes": notes}, accepted_at=1000.0)


def test_outbox_survives_reopen_in_order_and_seals_notes(tmp_path: Path) -> None:
    key = os.urandom(32)
    path = tmp_path / "outbox.db"
    outbox = Outbox.open(path, Sealer(key))
    for index in range(5):
        outbox.append(make_command(f"key-{index}"))
    outbox.append(Command("other", "someone-else", "timer.stop", "POST", "/timer/stop", None, 1.0))
    with pytest.raises(DuplicateCommand):
        outbox.append(make_command("key-1"))
    outbox.remove("key-2")
    outbox.record_attempt("key-0", "relay down")
    outbox.close()
    reopened = Outbox.open(path, Sealer(key))
    pending = reopened.pending("acct")
    assert [c.key for c in pending] == ["key-0", "key-1", "key-3", "key-4"]
    assert pending[0].body == {"task_id": 1, "notes": "secret plan"} and pending[0].attempts == 1
    assert reopened.count("acct") == 4 and reopened.count() == 5
    assert reopened.last_error("acct") == "relay down"
    reopened.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"secret plan" not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_live_cursor_is_kept_per_account(tmp_path: Path) -> None:
    outbox = Outbox.open(tmp_path / "outbox.db", Sealer(os.urandom(32)))
    assert outbox.cursor("a") == 0
    outbox.save_cursor("a", 41)
    outbox.save_cursor("a", 42)
    outbox.save_cursor("b", 7)
    outbox.close()
    reopened = Outbox.open(tmp_path / "outbox.db", Sealer(os.urandom(32)))
    assert (reopened.cursor("a"), reopened.cursor("b")) == (42, 7)
    reopened.close()


def test_sealer_binds_to_key_and_row() -> None:
    sealer = Sealer(os.urandom(32))
    sealed = sealer.seal(b"notes", "row-1")
    assert sealer.open(sealed, "row-1") == b"notes"
    with pytest.raises(AgentError):
        sealer.open(sealed, "row-2")
    with pytest.raises(AgentError):
        Sealer(os.urandom(32)).open(sealed, "row-1")


def fake_backend(module: str, name: str) -> KeyringBackend:
    def nothing(*_args: object) -> None:
        return None

    cls = type(name, (KeyringBackend,), {"__module__": module, "priority": 1, "get_password": nothing,
                                         "set_password": nothing, "delete_password": nothing})
    return cls()


def test_plaintext_fail_and_null_backends_are_refused() -> None:
    assert "plain-text" in (refusal(fake_backend("keyrings.alt.file", "PlaintextKeyring")) or "")
    assert refusal(keyring.backends.fail.Keyring()) is not None
    assert refusal(fake_backend("keyring.backends.null", "Keyring")) is not None
    assert refusal(fake_backend("keyring.backends.SecretService", "Keyring")) is None


def test_open_refuses_with_instructions(memory_keyring: object) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(KeyringUnavailable) as info:
        Credentials.open()
    assert "gnome-keyring" in info.value.message


def test_login_round_trip_in_memory(memory_keyring: object) -> None:
    credentials = Credentials.open()
    with pytest.raises(NotLoggedIn):
        credentials.load_login()
    login = StoredLogin("http://relay", "acme", "ann", "api_token", "tc_secret")
    credentials.save_login(login)
    assert Credentials.open().load_login() == login
    key = credentials.outbox_key()
    assert len(key) == 32 and credentials.outbox_key() == key
    credentials.forget_login()
    credentials.forget_login()
    with pytest.raises(NotLoggedIn):
        credentials.load_login()


@pytest.mark.parametrize("browser", ["chrome", "chromium", "opera", "firefox"])
def test_install_writes_manifest_and_launcher_then_uninstall(browser: str, config: AgentConfig) -> None:
    written = install(browser, manifest_dir=None, config=config)
    launcher, manifest_path = written
    assert manifest_path.parent == manifest_dir_for(browser, config)
    assert str(manifest_path).startswith(str(config.user_home.parent))  # inside the test's folders
    manifest = json.loads(manifest_path.read_text())
    assert manifest["name"] == HOST_NAME and manifest["type"] == "stdio"
    assert Path(manifest["path"]).is_absolute() and os.access(manifest["path"], os.X_OK)
    if browser == "firefox":
        assert manifest["allowed_extensions"] == [FIREFOX_ADDON_ID]
    else:
        assert f"chrome-extension://{CHROMIUM_EXTENSION_ID}/" in manifest["allowed_origins"]
    text = launcher.read_text()
    assert text.startswith("#!/bin/sh\n") and "native-host" in text and "/" in text.split("exec ")[1][:3]
    assert set(uninstall(browser, manifest_dir=None, config=config)) == set(written)
    assert not manifest_path.exists() and not launcher.exists()


def test_install_into_given_dir_and_launcher_refuses_strangers(config: AgentConfig, tmp_path: Path) -> None:
    target = tmp_path / "hosts"
    launcher, manifest_path = install("chromium", manifest_dir=str(target), config=config)
    assert manifest_path == target / f"{HOST_NAME}.json"
    result = subprocess.run([str(launcher), "chrome-extension://evil/"], capture_output=True, timeout=60)
    assert result.returncode == 1 and b"not a taskclock extension" in result.stderr
    assert b'"forbidden"' in result.stdout


async def test_socket_is_private_and_talks_frames(config: AgentConfig) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        message = await read_message(reader)
        write_message(writer, {"echo": message})
        await writer.drain()
        writer.close()

    server = await listen(config.socket_path, echo)
    try:
        assert stat.S_IMODE(config.socket_path.stat().st_mode) == 0o600
        assert stat.S_IMODE(config.socket_path.parent.stat().st_mode) == 0o700
        assert stat.S_ISSOCK(config.socket_path.stat().st_mode)
        reader, writer = await connect(config.socket_path)
        write_message(writer, {"op": "x"})
        assert await read_message(reader) == {"echo": {"op": "x"}}
        writer.close()
    finally:
        server.close()


def test_only_one_daemon_per_home(config: AgentConfig) -> None:
    first = take_instance_lock(config.home)
    assert first is not None
    assert take_instance_lock(config.home) is None
    first.close()
    again = take_instance_lock(config.home)
    assert again is not None
    again.close()


def test_an_answer_too_big_for_the_browser_becomes_an_error_frame() -> None:
    stream = io.BytesIO()
    browser = BrowserSide(stream)
    browser.send({"id": "r1", "ok": True, "result": {"blob": "x" * (2 * 1024 * 1024)}})
    browser.send({"type": "event", "data": "y" * (2 * 1024 * 1024)})  # a push that large is dropped
    browser.send({"id": "r2", "ok": True, "result": {}})
    frames = FrameDecoder().feed(stream.getvalue())
    assert frames[0]["id"] == "r1" and frames[0]["error"]["code"] == "response_too_large"
    assert frames[1:] == [{"id": "r2", "ok": True, "result": {}}]
    assert len(stream.getvalue()) < 1024


async def test_socket_peer_is_checked_to_be_this_user(config: AgentConfig) -> None:
    seen: list[bool] = []

    async def check(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(peer_is_this_user(writer))
        writer.close()

    server = await listen(config.socket_path, check)
    try:
        _reader, writer = await connect(config.socket_path)
        await asyncio.sleep(0.1)
        writer.close()
    finally:
        server.close()
    assert seen == [True]


def test_per_user_locations_on_macos_and_windows_launcher(config: AgentConfig) -> None:
    mac = {browser: manifest_dir_for(browser, config, platform="darwin") for browser in ("chrome", "firefox")}
    assert mac["chrome"] == config.user_home / "Library/Application Support/Google/Chrome/NativeMessagingHosts"
    assert mac["firefox"] == config.user_home / "Library/Application Support/Mozilla/NativeMessagingHosts"
    chromium = manifest_dir_for("chromium", config, platform="linux")
    assert chromium == config.config_home / "chromium/NativeMessagingHosts"
    assert manifest_dir_for("firefox", config, platform="linux") == config.user_home / ".mozilla/native-messaging-hosts"
    bat = launcher_text(r"C:\\Python\\python.exe", r"C:\\tc", platform="win32")
    assert bat.startswith("@echo off\r\n") and 'set "TASKCLOCK_HOME=C:\\\\tc"' in bat
    assert '"C:\\\\Python\\\\python.exe" -m bridge.cli agent native-host %*' in bat
    sh = launcher_text("/opt/py it's/python", None, platform="linux")
    assert "exec '/opt/py it'\"'\"'s/python' -m bridge.cli agent native-host \"$@\"" in sh


def test_rows_sealed_under_a_lost_key_are_dropped_not_blocking(tmp_path: Path) -> None:
    old = Outbox.open(tmp_path / "outbox.db", Sealer(os.urandom(32)))
    old.append(make_command("lost"))
    old.close()
    new = Outbox.open(tmp_path / "outbox.db", Sealer(os.urandom(32)))
    new.append(make_command("kept"))
    assert [c.key for c in new.pending("acct")] == ["kept"]
    assert new.count("acct") == 1
    new.close()
