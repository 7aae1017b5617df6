"""Headless Firefox ESR with the extension, driven over WebDriver BiDi (no geckodriver).

DESIGN.md's recipe: a throw-away profile whose ``user.js`` sends Mozilla's services to
127.0.0.1:9, fixes the add-on's UUID (so tests know its ``moz-extension://`` origin) and
routes the site host names through the fixture server's ``CONNECT`` proxy; HOME points
at a temporary folder so ``$HOME/.mozilla/native-messaging-hosts/`` is the test's own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from pathlib import Path

from tests.harness.processes import stop_process
from typing import Any

from .bidi import BiDi, BiDiError
from .chromium import browser_env
from .tab import Tab

FIREFOX = "/usr/bin/firefox-esr"
MISSING = (
    "Firefox ESR is not installed: run `apt-get install firefox-esr` as root "
    "(or `make test`, which installs it on Debian)"
)
ADDON_ID = "taskclock@taskclock.dev"
# Fixed so tests can open options.html without asking Firefox for the add-on's origin.
ADDON_UUID = "6c3e0d2a-4f9b-4c1e-9a57-7d1b2f0e8a11"
_BIDI_ADDRESS = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
_NOWHERE = "http://127.0.0.1:9"


def require_firefox() -> str:
    """The browser's path; raises (a test failure, never a skip) when it is missing."""
    if not os.access(FIREFOX, os.X_OK):
        raise RuntimeError(MISSING)
    return FIREFOX


def user_js(fixture_port: int) -> str:
    """Profile prefs: no calls home, a fixed add-on UUID, sites through the fixture proxy."""
    prefs: dict[str, Any] = {
        "network.proxy.type": 1,
        "network.proxy.ssl": "127.0.0.1",
        "network.proxy.ssl_port": fixture_port,
        "network.proxy.http": "127.0.0.1",
        "network.proxy.http_port": fixture_port,
        "network.proxy.share_proxy_settings": False,
        "network.proxy.no_proxies_on": "",
        # Loopback is never proxied, so a relay on 127.0.0.1 is reached directly.
        "network.proxy.allow_hijacking_localhost": False,
        "extensions.webextensions.uuids": json.dumps({ADDON_ID: ADDON_UUID}),
        "services.settings.server": f"{_NOWHERE}/v1",
        "media.gmp-manager.url": _NOWHERE,
        "media.gmp-manager.url.override": _NOWHERE,
        "media.gmp-manager.updateEnabled": False,
        "toolkit.telemetry.server": _NOWHERE,
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.healthreport.uploadEnabled": False,
        "app.update.disabledForTesting": True,
        "app.normandy.enabled": False,
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "browser.safebrowsing.provider.mozilla.updateURL": _NOWHERE,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "extensions.update.enabled": False,
        "extensions.getAddons.cache.enabled": False,
        "extensions.blocklist.enabled": False,
        "extensions.autoDisableScopes": 0,
        "xpinstall.signatures.required": False,
        "browser.shell.checkDefaultBrowser": False,
        "browser.startup.homepage_override.mstone": "ignore",
        "browser.aboutwelcome.enabled": False,
        "browser.newtabpage.enabled": False,
        "browser.newtabpage.activity-stream.feeds.section.topstories": False,
        "browser.topsites.contile.enabled": False,
        "intl.locale.requested": "en-US",
        "intl.accept_languages": "en-US, en",
        "dom.disable_open_during_load": False,
    }
    return "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())


class FirefoxTab(Tab):
    """One BiDi browsing context behind the common :class:`Tab` interface."""

    def __init__(self, bidi: BiDi, context: str) -> None:
        self.bidi = bidi
        self.context = context

    def goto(self, url: str) -> None:
        self.bidi.send(
            "browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"}
        )

    def evaluate(self, expression: str) -> Any:
        # JSON round trip: simpler than decoding BiDi's remote values, and the same
        # types Playwright hands the Chromium side.
        result = self.bidi.send(
            "script.callFunction",
            {
                "functionDeclaration": f"async () => JSON.stringify(await ({expression}))",
                "target": {"context": self.context},
                "awaitPromise": True,
                "userActivation": False,
            },
        )
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise BiDiError(f"{details.get('text')} in {expression!r}")
        value = result["result"]
        return json.loads(value["value"]) if value.get("type") == "string" else None

    def _perform(self, source: dict[str, Any]) -> None:
        self.bidi.send("input.performActions", {"context": self.context, "actions": [source]})

    def mouse_click(self, x: float, y: float) -> None:
        self._perform({
            "type": "pointer",
            "id": "mouse",
            "parameters": {"pointerType": "mouse"},
            "actions": [
                {"type": "pointerMove", "x": round(x), "y": round(y), "origin": "viewport"},
                {"type": "pointerDown", "button": 0},
                {"type": "pointerUp", "button": 0},
            ],
        })

    def type_text(self, text: str) -> None:
        actions: list[dict[str, str]] = []
        for char in text:
            actions += [{"type": "keyDown", "value": char}, {"type": "keyUp", "value": char}]
        self._perform({"type": "key", "id": "keyboard", "actions": actions})

    def press(self, key: str) -> None:
        # WebDriver's code points for the named keys the tests use.
        value = {"Enter": "\ue007", "Tab": "\ue004", "Escape": "\ue00c", "Backspace": "\ue003"}[key]
        self.type_text(value)

    def close(self) -> None:
        self.bidi.send("browsingContext.close", {"context": self.context})


class FirefoxBrowser:
    """One Firefox with the extension installed.

    Construct, put any host manifest into ``native_messaging_dir``, then :meth:`start`.
    """

    name = "firefox"

    def __init__(
        self, root: Path, extension: Path, fixture_port: int, env: dict[str, str] | None = None
    ) -> None:
        self.root = root
        self.profile = root / "profile"
        self.home = root / "home"
        self.extension = extension
        self.fixture_port = fixture_port
        self.extra_env = env or {}
        self.process: subprocess.Popen[str] | None = None
        self.bidi: BiDi | None = None
        self.stderr_lines: list[str] = []
        self.profile.mkdir(parents=True)
        self.home.mkdir(parents=True)
        (self.profile / "user.js").write_text(user_js(fixture_port))

    @property
    def native_messaging_dir(self) -> Path:
        """Where Firefox reads native-messaging host manifests: under the temporary HOME."""
        return self.home / ".mozilla" / "native-messaging-hosts"

    @property
    def extension_origin(self) -> str:
        """``moz-extension://<uuid>``, fixed by the profile's prefs."""
        return f"moz-extension://{ADDON_UUID}"

    def start(self, playwright: object = None) -> FirefoxBrowser:
        """Launch, open a BiDi session and install the add-on; call once."""
        env = browser_env(self.home, self.extra_env)
        env["MOZ_REMOTE_SETTINGS_DEVTOOLS"] = "1"  # lets services.settings.server be changed
        env.pop("DISPLAY", None)
        self.process = subprocess.Popen(
            [
                require_firefox(), "--headless", "--no-remote", "--profile", str(self.profile),
                "--remote-debugging-port=0", "--remote-allow-system-access",
            ],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )
        self.bidi = BiDi(self._bidi_address() + "/session")
        self.bidi.new_session()
        self.bidi.send(
            "webExtension.install",
            {"extensionData": {"type": "path", "path": str(self.extension)}},
        )
        return self

    def _bidi_address(self, timeout: float = 60) -> str:
        """Read Firefox's stderr until it prints the BiDi address; keep draining after."""
        assert self.process is not None and self.process.stderr is not None
        found: list[str] = []
        ready = threading.Event()

        def drain() -> None:
            assert self.process is not None and self.process.stderr is not None
            for line in self.process.stderr:
                self.stderr_lines.append(line)
                match = _BIDI_ADDRESS.search(line)
                if match and not ready.is_set():
                    found.append(match.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        ready.wait(timeout)
        if not found:
            tail = "".join(self.stderr_lines[-20:])
            raise RuntimeError(f"Firefox printed no BiDi address within {timeout}s:\n{tail}")
        return found[0]

    def new_tab(self, url: str | None = None) -> FirefoxTab:
        """Open a new tab (the first tab of a headless start never gets focus events)."""
        assert self.bidi is not None, "start() first"
        context = self.bidi.send("browsingContext.create", {"type": "tab"})["context"]
        self.bidi.send("browsingContext.activate", {"context": context})
        tab = FirefoxTab(self.bidi, context)
        if url:
            tab.goto(url)
        return tab

    def stop(self) -> None:
        """End the session and the process; safe when it never started."""
        if self.bidi is not None:
            try:
                self.bidi.send("browser.close", timeout=10)
            except Exception:  # noqa: BLE001 (already gone: nothing to close)
                pass
            self.bidi.close()
            self.bidi = None
        if self.process is not None:
            try:
                self.process.wait(timeout=10)  # it may be quitting after the session ended
            except subprocess.TimeoutExpired:
                stop_process(self.process)
            self.process = None
