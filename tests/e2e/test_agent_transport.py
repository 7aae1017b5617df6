"""Agent transport (issues 5, 6 and 7): both browsers reach the relay through one local
agent over native messaging, with the host manifest installed into the test profiles by
``taskclock agent install --manifest-dir``. The page-level scenarios (panel, navigation,
blocked tasks, diagnostics) run over both transports in test_pages.py.
"""

from __future__ import annotations

import pytest

from .conftest import BROWSERS, Browser
from .options_page import open_options, status
from .relay import Account, Relay
from .scenarios import clock_in_and_out, start_elsewhere_then_stop
from .surface import BOARDS, DETAIL, open_task


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


@pytest.mark.parametrize("kind", BROWSERS)
def test_attendance_through_the_agent(
    kind: str, agent_browsers: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    tab = agent_browsers[kind].new_tab(BOARDS["trello"][0])  # a card back would cover it
    clock_in_and_out(tab, relay, owner)
    tab.close()
