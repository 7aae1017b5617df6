"""Agent transport (issues 5, 6 and 7): both browsers reach the relay through one local
agent over native messaging, with the host manifest installed into the test profiles by
``taskclock agent install --manifest-dir``. Same scenarios as the direct transport.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .agent import Agent
from .conftest import BROWSERS, Browser, Launcher, build_dir
from .options_page import open_options, status
from .relay import Account, Relay
from .scenarios import add_edit_delete_entry, clock_in_and_out, start_elsewhere_then_stop
from .surface import BOARDS, DETAIL, open_task


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


@pytest.fixture(scope="module")
def agent_browsers(
    launch_browser: Launcher, extension_build: Path, agent: Agent
) -> dict[str, Browser]:
    """Chromium and Firefox, each with the agent's native host installed in its profile."""

    def install_host(browser: Browser) -> None:
        agent.install(browser.name, browser.native_messaging_dir)

    return {
        kind: launch_browser(
            kind, build_dir(extension_build, kind), env=agent.browser_env,
            before_start=install_host,
        )
        for kind in BROWSERS
    }


@pytest.mark.parametrize("kind", BROWSERS)
def test_options_page_shows_agent(kind: str, agent_browsers: dict[str, Browser]) -> None:
    tab = open_options(agent_browsers[kind])
    tab.wait_for("document.querySelector('[data-role=\"status\"]')?.dataset.state === 'agent'",
                 timeout=15)
    assert status(tab) == "agent"
    tab.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_timer_appears_through_the_agent(kind: str, agent_browsers: dict[str, Browser]) -> None:
    tab = agent_browsers[kind].new_tab()
    for page in DETAIL.values():
        open_task(tab, page)
        assert tab.evaluate(f"{page.timer}.getAttribute('data-state')") in ("idle", "today")
    tab.close()


def test_start_moves_live_across_browsers_and_stop_shows_today(
    agent_browsers: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    a = agent_browsers["firefox"].new_tab()
    b = agent_browsers["chromium"].new_tab()
    open_task(a, DETAIL["trello"])
    open_task(b, DETAIL["jira"])
    start_elsewhere_then_stop(a, DETAIL["trello"], b, DETAIL["jira"], relay, owner)
    a.close()
    b.close()


@pytest.mark.parametrize(("kind", "site"), [("chromium", "asana"), ("firefox", "jira")])
def test_panel_entries_through_the_agent(
    kind: str, site: str, agent_browsers: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    tab = agent_browsers[kind].new_tab()
    open_task(tab, DETAIL[site])
    add_edit_delete_entry(tab, DETAIL[site], relay, owner, f"agent entry {site} {kind}")
    tab.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_attendance_through_the_agent(
    kind: str, agent_browsers: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    tab = agent_browsers[kind].new_tab(BOARDS["trello"][0])  # a card back would cover it
    clock_in_and_out(tab, relay, owner)
    tab.close()
