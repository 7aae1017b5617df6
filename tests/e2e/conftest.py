"""Fixtures for the end-to-end tests: the fixture server, the builds, the browsers.

Browser launches are the slow part (two cores in CI), so a test module shares one
browser of each kind; the fixture server and the extension build are per session.
A missing browser fails the test with the package to install: never a silent skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Union

import pytest
from playwright.sync_api import Playwright, sync_playwright

from .chromium import ChromiumBrowser
from .firefox import FirefoxBrowser
from .agent import Agent
from .fixture_server import FixtureServer
from .options_page import open_options, sign_in_direct
from .relay import Account, Relay
from .tls import make_certificate

Browser = Union[ChromiumBrowser, FirefoxBrowser]
BROWSERS = ("chromium", "firefox")
REPO = Path(__file__).resolve().parents[2]
TASKCLOCK = Path(sys.executable).parent / "taskclock"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything under tests/e2e as ``e2e`` so ``-m 'not e2e'`` can leave it out."""
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # noqa: ANN201
    """On a failure, attach the tails of the relay's and the agent's logs to the report:
    in CI they are the only record of what the servers saw."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    for name in ("relay", "agent"):
        server = funcargs.get(name)
        log = getattr(server, "log", None)
        if log is not None and Path(log).exists():
            report.sections.append((f"{name} log (tail)", Path(log).read_text()[-4000:]))


@pytest.fixture(scope="session")
def fixture_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    """The TLS fixture server and CONNECT proxy, on 127.0.0.1, for the whole session."""
    cert, key = make_certificate(tmp_path_factory.mktemp("tls"))
    server = FixtureServer(cert, key).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, started once (it drives Debian's Chromium, never its own)."""
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def extension_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The production build (``taskclock extension build``) in a temporary ``dist``."""
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "TASKCLOCK_HOME": str(tmp_path_factory.mktemp("build-home"))}
    result = subprocess.run(
        [str(TASKCLOCK), "extension", "build", "--browser", "all", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=env,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`taskclock extension build` failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}",
            pytrace=False,
        )
    return out


Launcher = Callable[..., Browser]


@pytest.fixture(scope="module")
def launch_browser(
    tmp_path_factory: pytest.TempPathFactory,
    fixture_server: FixtureServer,
    playwright: Playwright,
) -> Iterator[Launcher]:
    """Returns ``launch(kind, extension_dir, env=None, before_start=None)``.

    ``before_start(browser)`` runs after the profile exists and before the browser starts:
    the place to install a native-messaging host manifest into
    ``browser.native_messaging_dir``. Every browser started here stops with the module.
    """
    started: list[Browser] = []

    def launch(
        kind: str,
        extension: Path,
        env: dict[str, str] | None = None,
        before_start: Callable[[Browser], None] | None = None,
    ) -> Browser:
        root = tmp_path_factory.mktemp(kind)
        cls = ChromiumBrowser if kind == "chromium" else FirefoxBrowser
        browser = cls(root, extension, fixture_server.port, env)
        if before_start is not None:
            before_start(browser)
        started.append(browser)
        try:
            browser.start(playwright)
        except RuntimeError as error:
            pytest.fail(str(error), pytrace=False)
        return browser

    yield launch
    for browser in reversed(started):
        browser.stop()


@pytest.fixture(scope="session")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Relay]:
    """A relay on SQLite with a data directory of its own, shared by the session (tests
    compare before and after, and name their entries, so they do not need a fresh one)."""
    server = Relay(tmp_path_factory.mktemp("relay-home"))
    try:
        server.start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def owner(relay: Relay) -> Account:
    """The company ``acme`` and its owner ``ada``, made with ``taskclock relay tenant create``."""
    return relay.create_tenant("acme", "ada", "correct horse battery staple")


def build_dir(build: Path, kind: str) -> Path:
    """The unpacked build a browser kind loads: dist/chrome or dist/firefox."""
    return build / ("chrome" if kind == "chromium" else "firefox")


@pytest.fixture(scope="module")
def browsers(launch_browser: Launcher, extension_build: Path) -> dict[str, Browser]:
    """One Chromium and one Firefox with the production build, shared by a module."""
    return {kind: launch_browser(kind, build_dir(extension_build, kind)) for kind in BROWSERS}


@pytest.fixture(scope="module")
def agent(
    tmp_path_factory: pytest.TempPathFactory, relay: Relay, owner: Account
) -> Iterator[Agent]:
    """The owner's agent, logged in with ``taskclock agent login`` and running."""
    daemon = Agent(tmp_path_factory.mktemp("agent"))
    try:
        daemon.login(relay.url, owner)
        daemon.start()
    except RuntimeError as error:
        daemon.stop()
        pytest.fail(str(error), pytrace=False)
    yield daemon
    daemon.stop()


def launch_with_agent(
    launch_browser: Launcher, extension_build: Path, agent: Agent, kind: str
) -> Browser:
    """A browser whose profile has the agent's native host (``agent install --manifest-dir``)."""

    def install_host(browser: Browser) -> None:
        agent.install(browser.name, browser.native_messaging_dir)

    return launch_browser(
        kind, build_dir(extension_build, kind), env=agent.browser_env, before_start=install_host
    )


@pytest.fixture(scope="module", params=["direct", "agent"])
def signed_in(
    request: pytest.FixtureRequest, launch_browser: Launcher, extension_build: Path,
    relay: Relay, owner: Account,
) -> Iterator[dict[str, Browser]]:
    """Chromium and Firefox signed in as the owner, once per transport: through
    options.html (direct), or through the agent (status ``agent``). The browsers of one
    transport stop before the other's start, so at most two run at a time."""
    if request.param == "direct":
        started = {kind: launch_browser(kind, build_dir(extension_build, kind))
                   for kind in BROWSERS}
        for browser in started.values():
            sign_in_direct(browser, relay.url, owner).close()
    else:
        daemon = request.getfixturevalue("agent")
        started = {kind: launch_with_agent(launch_browser, extension_build, daemon, kind)
                   for kind in BROWSERS}
        for browser in started.values():
            tab = open_options(browser)
            tab.wait_for("document.querySelector('[data-role=\"status\"]')"
                         "?.dataset.state === 'agent'", timeout=15)
            tab.close()
    yield started
    for browser in started.values():
        browser.stop()
