"""Headless Chromium with the unpacked extension, through Python Playwright.

DESIGN.md's recipe: a persistent context (extensions need one), Debian's
``/usr/bin/chromium`` (never ``playwright install``), the real site host names mapped
onto the fixture server, and a HOME and XDG folders of its own (Chromium keeps a
certificate database under ``~/.local/share/pki``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, Playwright

from .fixture_server import SITE_HOSTS
from .tab import Tab

CHROMIUM = "/usr/bin/chromium"
MISSING = (
    "Chromium is not installed: run `apt-get install chromium` as root "
    "(or `make test`, which installs it on Debian)"
)


def require_chromium() -> str:
    """The browser's path; raises (a test failure, never a skip) when it is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(MISSING)
    return CHROMIUM


def extension_id(extension_dir: Path) -> str | None:
    """The id Chromium gives an unpacked extension with a ``key`` in its manifest."""
    key = json.loads((extension_dir / "manifest.json").read_text()).get("key")
    if not key:
        return None
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def browser_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """An environment that keeps a browser (and any host it starts) out of the real HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DBUS_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_RUNTIME_DIR=str(home / "run"),
    )
    (home / "run").mkdir(parents=True, exist_ok=True)
    (home / "run").chmod(0o700)
    env.update(extra or {})
    return env


class ChromiumTab(Tab):
    """A Playwright page behind the common :class:`Tab` interface."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def goto(self, url: str) -> None:
        self.page.goto(url, wait_until="load")

    def evaluate(self, expression: str) -> Any:
        return self.page.evaluate(f"async () => ({expression})")

    def mouse_click(self, x: float, y: float) -> None:
        self.page.mouse.click(x, y)

    def type_text(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def close(self) -> None:
        self.page.close()


class ChromiumBrowser:
    """One Chromium with the extension loaded.

    Construct, put any host manifest into ``native_messaging_dir``, then :meth:`start`.
    """

    name = "chromium"

    def __init__(
        self, root: Path, extension: Path, fixture_port: int, env: dict[str, str] | None = None
    ) -> None:
        self.root = root
        self.profile = root / "profile"
        self.home = root / "home"
        # Chromium silently skips a content script that is a symbolic link: copy the build.
        self.extension = root / "extension"
        shutil.copytree(extension, self.extension, symlinks=False)
        self.fixture_port = fixture_port
        self.extra_env = env or {}
        self.context: BrowserContext | None = None
        self.profile.mkdir(parents=True)
        self.home.mkdir(parents=True)

    @property
    def native_messaging_dir(self) -> Path:
        """Where this profile reads native-messaging host manifests (not under HOME)."""
        return self.profile / "NativeMessagingHosts"

    def _args(self) -> list[str]:
        rules = ", ".join(f"MAP {h} 127.0.0.1:{self.fixture_port}" for h in SITE_HOSTS.values())
        return [
            f"--disable-extensions-except={self.extension}",
            f"--load-extension={self.extension}",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--host-resolver-rules={rules}, EXCLUDE 127.0.0.1, MAP * ~NOTFOUND",
            "--ignore-certificate-errors",
            "--lang=en-US",
        ]

    def start(self, playwright: Playwright) -> ChromiumBrowser:
        """Launch the browser; call once, after any native-host manifest is in place."""
        self.context = playwright.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=require_chromium(),
            headless=True,
            args=self._args(),
            env=browser_env(self.home, self.extra_env),
            locale="en-US",
            viewport={"width": 1280, "height": 900},
        )
        return self

    @property
    def extension_origin(self) -> str:
        """``chrome-extension://<id>``: from the manifest key, else from the worker's URL."""
        ext_id = extension_id(self.extension)
        if ext_id is None:
            assert self.context is not None
            worker = self.context.service_workers[0] if self.context.service_workers else (
                self.context.wait_for_event("serviceworker", timeout=10_000)
            )
            ext_id = worker.url.split("/")[2]
        return f"chrome-extension://{ext_id}"

    def new_tab(self, url: str | None = None) -> ChromiumTab:
        """Open a tab (and load *url* in it)."""
        assert self.context is not None, "start() first"
        tab = ChromiumTab(self.context.new_page())
        if url:
            tab.goto(url)
        return tab

    def stop_service_workers(self) -> None:
        """Stop the extension's MV3 worker as Chromium does when it idles (Playwright
        would otherwise keep it alive): the DevTools call ``ServiceWorker.stopAllWorkers``."""
        assert self.context is not None, "start() first"
        page = self.context.new_page()
        try:
            session = self.context.new_cdp_session(page)
            session.send("ServiceWorker.enable")
            session.send("ServiceWorker.stopAllWorkers")
            session.detach()
        finally:
            page.close()

    def worker_evaluate(self, expression: str) -> Any:
        """Evaluate in the extension's current service worker (starting it if stopped)."""
        assert self.context is not None, "start() first"
        workers = [w for w in self.context.service_workers
                   if w.url.startswith(self.extension_origin)]
        worker = workers[-1] if workers else self.context.wait_for_event("serviceworker")
        return worker.evaluate(f"async () => ({expression})")

    def stop(self) -> None:
        """Close the browser; safe when it never started."""
        if self.context is not None:
            self.context.close()
            self.context = None
