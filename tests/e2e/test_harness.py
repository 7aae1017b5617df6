"""The harness itself: fixture pages over TLS at the real host names, content scripts run.

Uses a stub extension so it can pass before (and independently of) the real build: when
the real tests fail, this one tells whether the harness or the product is at fault.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import pytest

from . import chromium, firefox
from .conftest import BROWSERS, Launcher
from .fixture_server import FixtureServer
from .relay import Account, Relay
from .stub_extension import write_stub_extension
from .tab import shadow

PAGE = "https://app.asana.com/0/1201000000000101/1202000000000201"
NEXT = "https://app.asana.com/0/1201000000000101/1202000000000202"
TITLE = "document.querySelector('.TaskPaneTitle textarea')"


@pytest.fixture(scope="module")
def stub_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stub extension, written once for this module."""
    return write_stub_extension(tmp_path_factory.mktemp("stub") / "extension")


@pytest.mark.parametrize("kind", BROWSERS)
def test_fixture_page_loads_with_content_script(
    kind: str, launch_browser: Launcher, stub_dir: Path
) -> None:
    browser = launch_browser(kind, stub_dir)
    tab = browser.new_tab(PAGE)
    assert tab.url() == PAGE
    assert tab.evaluate(f"{TITLE}.value") == "Write launch announcement"
    assert tab.wait_for("document.documentElement.getAttribute('data-harness-stub')") == (
        "app.asana.com"
    )
    # Real clicks reach a content script's shadow root...
    tab.click(shadow("harness-stub", '[data-action="count"]'))
    tab.click(shadow("harness-stub", '[data-action="count"]'))
    assert tab.wait_for("document.querySelector('harness-stub').dataset.clicks") == "2"
    # ...and the page: the fixture's router follows a link with pushState.
    tab.click("document.querySelector('[data-task-id=\"1202000000000202\"] a')")
    tab.wait_for(f"{TITLE}.value === 'Fix checkout bug'")
    assert tab.url() == NEXT
    tab.fill(TITLE, "Fix the checkout bug")
    assert tab.evaluate(f"{TITLE}.value") == "Fix the checkout bug"
    tab.close()


def _connect_status(port: int, host: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
        return conn.recv(100).split(b"\r\n")[0]


def test_proxy_tunnels_only_fixture_hosts(fixture_server: FixtureServer) -> None:
    assert b" 200 " in _connect_status(fixture_server.port, "trello.com")
    assert b" 200 " in _connect_status(fixture_server.port, "other.atlassian.net")
    assert b" 403 " in _connect_status(fixture_server.port, "example.com")


def test_direct_tls_serves_by_host_header(fixture_server: FixtureServer) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", fixture_server.port), timeout=5)
    with context.wrap_socket(raw, server_hostname="app.asana.com") as conn:
        conn.sendall(
            b"GET /0/1201000000000101/1202000000000201 HTTP/1.1\r\n"
            b"Host: app.asana.com\r\nConnection: close\r\n\r\n"
        )
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b"Write launch announcement" in answer


def test_missing_browser_fails_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chromium, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(firefox, "FIREFOX", "/nonexistent/firefox-esr")
    with pytest.raises(RuntimeError, match="apt-get install chromium"):
        chromium.require_chromium()
    with pytest.raises(RuntimeError, match="apt-get install firefox-esr"):
        firefox.require_firefox()


def test_relay_fixture_signs_in_the_owner(relay: Relay, owner: Account) -> None:
    me = relay.api(owner, "GET", "/me")
    assert me["username"] == "ada" and me["role"] == "owner"
    assert relay.api(owner, "GET", "/timer") == {"timer": None}
