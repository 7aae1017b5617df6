"""``taskclock agent install``: tell a browser where the native host is.

Call ``install(browser, manifest_dir=..., config=...)`` from the CLI; ``uninstall``
removes the same files. It writes a launcher script (a manifest's ``path`` cannot carry
arguments, so the launcher runs this interpreter with ``-m bridge.cli agent
native-host``) and the host manifest ``dev.taskclock.agent.json`` where the browser
looks for it per user: the directories below on Linux and macOS, a registry key under
HKEY_CURRENT_USER pointing at the manifest on Windows.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

from agent.config import FIREFOX_ADDON_ID, HOST_NAME, AgentConfig, chromium_origins
from bridge.core.errors import InvalidInput

#: Per-user manifest folders on Linux, relative to XDG_CONFIG_HOME (Chromium family)
#: or HOME (Firefox).
_LINUX = {
    "chrome": ("config", "google-chrome/NativeMessagingHosts"),
    "chromium": ("config", "chromium/NativeMessagingHosts"),
    "opera": ("config", "google-chrome/NativeMessagingHosts"),  # Opera reads Chrome's
    "firefox": ("home", ".mozilla/native-messaging-hosts"),
}
_MACOS = {
    "chrome": "Library/Application Support/Google/Chrome/NativeMessagingHosts",
    "chromium": "Library/Application Support/Chromium/NativeMessagingHosts",
    "opera": "Library/Application Support/Google/Chrome/NativeMessagingHosts",
    "firefox": "Library/Application Support/Mozilla/NativeMessagingHosts",
}
_WINDOWS_KEYS = {
    "chrome": rf"Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}",
    "chromium": rf"Software\Chromium\NativeMessagingHosts\{HOST_NAME}",
    "opera": rf"Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}",
    "firefox": rf"Software\Mozilla\NativeMessagingHosts\{HOST_NAME}",
}


def manifest_dir_for(browser: str, config: AgentConfig, platform: str = sys.platform) -> Path:
    """Where ``browser`` looks for host manifests of this user on ``platform``."""
    if browser not in _LINUX:
        raise InvalidInput(f"unknown browser {browser!r}", field="browser")
    if platform == "darwin":
        return config.user_home / _MACOS[browser]
    if platform.startswith("win"):
        return config.home / "native-messaging" / browser
    base, relative = _LINUX[browser]
    return (config.config_home if base == "config" else config.user_home) / relative


def host_manifest(browser: str, launcher: Path) -> dict[str, Any]:
    """The manifest JSON for ``browser``: Chromium family by origin, Firefox by add-on id."""
    manifest: dict[str, Any] = {
        "name": HOST_NAME,
        "description": "taskclock agent: timers in Asana, Jira and Trello",
        "path": os.fspath(launcher),
        "type": "stdio",
    }
    if browser == "firefox":
        manifest["allowed_extensions"] = [FIREFOX_ADDON_ID]
    else:
        manifest["allowed_origins"] = list(chromium_origins())
    return manifest


def launcher_text(interpreter: str, environ_home: str | None, platform: str = sys.platform) -> str:
    """The launcher script: this interpreter, the host command, and TASKCLOCK_HOME if set."""
    if platform.startswith("win"):
        home = f'set "TASKCLOCK_HOME={environ_home}"\r\n' if environ_home else ""
        return f'@echo off\r\n{home}"{interpreter}" -m bridge.cli agent native-host %*\r\n'
    home = f"export TASKCLOCK_HOME={_sh_quote(environ_home)}\n" if environ_home else ""
    return f"#!/bin/sh\n{home}exec {_sh_quote(interpreter)} -m bridge.cli agent native-host \"$@\"\n"


def _sh_quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


def _paths(browser: str, manifest_dir: str | None, config: AgentConfig) -> tuple[Path, Path]:
    folder = Path(manifest_dir) if manifest_dir else manifest_dir_for(browser, config)
    suffix = ".bat" if sys.platform.startswith("win") else ""
    launcher = config.home / f"native-host-{browser}{suffix}"
    return folder / f"{HOST_NAME}.json", launcher


def install(browser: str, *, manifest_dir: str | None, config: AgentConfig) -> list[Path]:
    """Write launcher and manifest (and the Windows registry key); return what was written."""
    manifest_path, launcher = _paths(browser, manifest_dir, config)
    launcher.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    launcher.write_text(launcher_text(os.path.abspath(sys.executable), os.environ.get("TASKCLOCK_HOME")))
    launcher.chmod(stat.S_IRWXU)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(host_manifest(browser, launcher.resolve()), indent=2) + "\n")
    written = [launcher, manifest_path]
    if sys.platform.startswith("win") and manifest_dir is None:  # pragma: no cover - untested here
        _write_registry(browser, manifest_path)
    return written


def uninstall(browser: str, *, manifest_dir: str | None, config: AgentConfig) -> list[Path]:
    """Remove what ``install`` wrote; return what was there."""
    manifest_path, launcher = _paths(browser, manifest_dir, config)
    removed = []
    for path in (manifest_path, launcher):
        if path.exists():
            path.unlink()
            removed.append(path)
    if sys.platform.startswith("win") and manifest_dir is None:  # pragma: no cover - untested here
        _delete_registry(browser)
    return removed


def _write_registry(browser: str, manifest_path: Path) -> None:  # pragma: no cover - Windows only
    import winreg

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, _WINDOWS_KEYS[browser]) as key:
        winreg.SetValueEx(key, "", 0, winreg.REG_SZ, os.fspath(manifest_path))


def _delete_registry(browser: str) -> None:  # pragma: no cover - Windows only
    import winreg

    with contextlib.suppress(FileNotFoundError):
        winreg.DeleteKey(winreg.HKEY_CURRENT_USER, _WINDOWS_KEYS[browser])
