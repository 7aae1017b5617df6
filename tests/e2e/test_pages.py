"""What a user sees on the three sites (issues 5, 6 and 7), in Chromium and Firefox at
once, over the direct transport and then over the agent (the ``signed_in`` fixture):
timers on every site, live changes across browsers, attendance, the task panel, blocked
tasks, single-page navigation, markup in titles, missing anchors, board timers and the
timesheet page.

Chromium works on Jira and Asana, Firefox on Trello (whose focus lock the panel must
survive), so each site's panel is driven by a real browser in one run.
"""

from __future__ import annotations

import datetime
import time
import uuid

import pytest

from .conftest import BROWSERS, Browser
from .options_page import diagnostics, open_options, open_timesheet, status
from .relay import Account, Relay
from .scenarios import (
    add_edit_delete_entry, clock_in_and_out, eventually, open_panel, relay_timer,
    start_elsewhere_then_stop,
)
from .surface import (
    BLOCKED, BOARDS, DARK_BOARDS, DETAIL, MARKUP, MARKUP_TITLE, MISSING_ANCHOR, NEXT, PANEL,
    attr, inner, open_task, panel, seconds, timer_in, timers_count, wait_attr,
)

PANEL_SITE = {"chromium": ["jira", "asana"], "firefox": ["trello"]}


def transport(request: pytest.FixtureRequest) -> str:
    """``direct`` or ``agent``: the ``signed_in`` fixture's parameter for this test."""
    return request.node.callspec.params["signed_in"]


@pytest.mark.parametrize("kind", BROWSERS)
def test_options_status_names_the_transport(
    kind: str, signed_in: dict[str, Browser], request: pytest.FixtureRequest
) -> None:
    expected = "agent" if transport(request) == "agent" else "signed-in"
    tab = open_options(signed_in[kind])
    tab.wait_for(f"document.querySelector('[data-role=\"status\"]').dataset.state"
                 f" === {expected!r}", timeout=10)
    assert status(tab) == expected
    tab.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_timer_appears_on_every_site(kind: str, signed_in: dict[str, Browser]) -> None:
    tab = signed_in[kind].new_tab()
    for site, page in DETAIL.items():
        open_task(tab, page)
        assert tab.evaluate(attr(page.timer, "data-source")) == site
        assert tab.evaluate(attr(page.timer, "data-external-id")) == page.external_id
        assert tab.evaluate(attr(page.timer, "data-state")) in ("idle", "today")
        assert tab.evaluate(attr(page.timer, "data-placement")) is None
    tab.close()


@pytest.mark.parametrize(("first", "second"), [("chromium", "firefox"), ("firefox", "chromium")])
def test_start_moves_live_across_browsers_and_stop_shows_today(
    first: str, second: str, signed_in: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    """Both browsers are the same person's (a laptop and a desktop): starting a task in
    one, on another site, stops the other's timer, and the first browser shows it live."""
    pages = ("asana", "trello") if first == "chromium" else ("jira", "asana")
    a, b = signed_in[first].new_tab(), signed_in[second].new_tab()
    open_task(a, DETAIL[pages[0]])
    open_task(b, DETAIL[pages[1]])
    start_elsewhere_then_stop(a, DETAIL[pages[0]], b, DETAIL[pages[1]], relay, owner)
    a.close()
    b.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_attendance_badge_clocks_in_and_out(
    kind: str, signed_in: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    site = "trello" if kind == "chromium" else "jira"
    tab = signed_in[kind].new_tab(BOARDS[site][0])  # a card back would cover the avatar
    clock_in_and_out(tab, relay, owner)
    tab.close()
PANEL_TITLE = panel('[data-role="title"]')


@pytest.mark.parametrize(("kind", "site"), [(k, s) for k in BROWSERS for s in PANEL_SITE[k]])
def test_panel_adds_edits_and_deletes_entries(
    kind: str, site: str, signed_in: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    tab = signed_in[kind].new_tab()
    open_task(tab, DETAIL[site])
    notes = f"Reviewed logs on {site} in {kind} ({uuid.uuid4().hex[:8]})"
    add_edit_delete_entry(tab, DETAIL[site], relay, owner, notes)
    # Trello's focus lock (the fixture's, like Atlaskit's) never had to pull focus back.
    assert tab.evaluate("window.__focusLockSteals ?? 0") == 0
    tab.close()


@pytest.mark.parametrize("reason", sorted(BLOCKED))
@pytest.mark.parametrize("kind", BROWSERS)
def test_blocked_tasks_cannot_be_started(
    kind: str, reason: str, signed_in: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    page = BLOCKED[reason]
    tab = signed_in[kind].new_tab()
    open_task(tab, page)
    wait_attr(tab, page.timer, "data-state", "blocked")
    assert tab.evaluate(attr(page.timer, "data-reason")) == reason
    assert tab.evaluate(attr(inner(page.timer, '[data-action="toggle"]'), "title"))
    tab.click(inner(page.timer, '[data-action="toggle"]'))  # disabled: nothing may happen
    time.sleep(0.5)
    assert tab.evaluate(attr(page.timer, "data-state")) == "blocked"
    assert relay_timer(relay, owner) is None
    tab.close()


@pytest.mark.parametrize("site", sorted(DETAIL))
@pytest.mark.parametrize("kind", BROWSERS)
def test_spa_navigation_moves_the_widget(
    kind: str, site: str, signed_in: dict[str, Browser]
) -> None:
    first, second = DETAIL[site], NEXT[site]
    tab = signed_in[kind].new_tab()
    open_task(tab, first)
    tab.evaluate(f"window.fixtureNavigate({second.path!r}) ?? true")
    tab.wait_for(f"{second.timer} !== null && {first.timer} === null", timeout=5)
    assert tab.evaluate(timers_count(site, second.external_id, second.scope)) == 1
    assert tab.evaluate(f"document.querySelectorAll('{second.scope} taskclock-timer').length") == 1
    tab.evaluate("history.back() ?? true")  # popstate is followed too
    tab.wait_for(f"{first.timer} !== null && {second.timer} === null", timeout=5)
    assert tab.evaluate(timers_count(site, first.external_id, first.scope)) == 1
    tab.close()


@pytest.mark.parametrize("site", sorted(DETAIL))
@pytest.mark.parametrize("kind", BROWSERS)
def test_widget_comes_back_when_the_site_re_renders(
    kind: str, site: str, signed_in: dict[str, Browser]
) -> None:
    page = DETAIL[site]
    tab = signed_in[kind].new_tab()
    open_task(tab, page)
    time.sleep(1)  # let the task's resolve land first: the state must not change after
    state = tab.evaluate(attr(page.timer, "data-state"))
    tab.evaluate("window.fixtureRerender() ?? true")  # new nodes: our widget may go with them
    count = timers_count(site, page.external_id, page.scope)
    tab.wait_for(f"{count} === 1", timeout=2)  # re-mounted by the next (throttled) scan
    time.sleep(0.5)
    assert tab.evaluate(count) == 1, "a second widget for the same task"
    wait_attr(tab, page.timer, "data-state", state, timeout=2)
    tab.close()


@pytest.mark.parametrize("site", sorted(MARKUP))
@pytest.mark.parametrize("kind", BROWSERS)
def test_markup_in_a_title_stays_text(
    kind: str, site: str, signed_in: dict[str, Browser]
) -> None:
    page = MARKUP[site]
    tab = signed_in[kind].new_tab()
    open_task(tab, page)
    open_panel(tab, page.timer)
    title = tab.wait_for(f"{PANEL_TITLE}?.textContent", timeout=5)
    assert title == MARKUP_TITLE
    assert tab.evaluate(f"{PANEL}.shadowRoot.querySelectorAll('img').length") == 0
    assert tab.evaluate("document.querySelectorAll('taskclock-timer img').length") == 0
    assert tab.evaluate("window.__taskclockXss ?? null") is None
    tab.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_missing_anchor_floats_and_is_counted(
    kind: str, signed_in: dict[str, Browser]
) -> None:
    tab = signed_in[kind].new_tab()
    for page in MISSING_ANCHOR.values():
        tab.goto(page.url)
        wait_attr(tab, page.timer, "data-placement", "floating", timeout=5)
        assert tab.evaluate(attr(page.timer, "data-external-id")) == page.external_id
    options = open_options(signed_in[kind], tab)
    for site in MISSING_ANCHOR:
        options.wait_for(
            "document.querySelector('[data-role=\"diagnostics\"] "
            f"[data-site=\"{site}\"]')?.getAttribute('data-misses') > 0",
            timeout=5,
        )
        counts = diagnostics(options, site)
        assert counts["misses"] >= 1 and counts["mounted"] >= 1, (site, counts)
    tab.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_timesheet_shows_the_month_from_the_relay(
    kind: str, signed_in: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    today = datetime.date.today()
    resolved = relay.api(owner, "POST", "/tasks/resolve", {"items": [{
        "source": "jira", "external_id": "ACME-103", "title": "Add dark mode to settings",
        "url": "https://acme.atlassian.net/browse/ACME-103",
        "project": {"external_id": "ACME", "name": "Acme Platform"}, "project_count": 1,
    }]})
    task_id = resolved["items"][0]["task_id"]
    relay.api(owner, "POST", "/entries", {
        "task_id": task_id, "date": today.isoformat(), "duration_seconds": 600,
        "notes": f"timesheet check {kind}",
    })
    month = relay.api(owner, "GET", f"/timesheet?month={today:%Y-%m}")
    tab = open_timesheet(signed_in[kind], f"{today:%Y-%m}")
    total = "document.querySelector('[data-role=\"month-total\"]')"
    tab.wait_for(f"{attr(total, 'data-seconds')} === '{month['total_seconds']}'", timeout=5)
    day_row = f"document.querySelector('[data-date=\"{today.isoformat()}\"]')"
    day = next(d for d in month["days"] if d["date"] == today.isoformat())
    assert seconds(tab, day_row, "data-seconds") == day["seconds"] >= 600
    tab.close()


@pytest.mark.parametrize("site", sorted(BOARDS))
@pytest.mark.parametrize("kind", BROWSERS)
def test_board_cards_get_compact_timers_that_keep_clicks(
    kind: str, site: str, signed_in: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    url, ids = BOARDS[site]
    tab = signed_in[kind].new_tab(url)
    tab.wait_for(f"document.querySelectorAll('taskclock-timer').length >= {len(ids)}")
    shown = tab.evaluate(
        "[...document.querySelectorAll('taskclock-timer')].map((t) => t.dataset.externalId)"
    )
    assert shown == ids and tab.evaluate(timers_count(site, ids[0])) == 1
    themes = tab.evaluate(
        "[...document.querySelectorAll('taskclock-timer')].map((t) => t.dataset.theme ?? null)"
    )
    assert themes == [("dark" if DARK_BOARDS[site] else None)] * len(ids)
    card = timer_in("body", site, ids[1])
    tab.wait_for(f"{attr(card, 'data-state')} !== 'signed-out'")
    tab.click(inner(card, '[data-action="toggle"]'))
    wait_attr(tab, card, "data-state", "running", timeout=1)
    assert tab.url() == url, "the site's own click handler ran (card opened)"
    time.sleep(1.2)  # a stop within the first second would leave nothing to show
    tab.click(inner(card, '[data-action="toggle"]'))
    wait_attr(tab, card, "data-state", "today", timeout=2)
    assert eventually(lambda: relay_timer(relay, owner) is None)
    tab.close()


@pytest.mark.parametrize("signed_in", ["agent"], indirect=True)
def test_click_while_the_relay_is_down_reaches_it_later(
    signed_in: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    """Through the agent, a start clicked during a relay outage shows at once and lands
    at the relay, once, at the clicked time, when the relay is back."""
    page = DETAIL["jira"]
    tab = signed_in["chromium"].new_tab()
    open_task(tab, page)
    relay.stop()
    try:
        clicked = datetime.datetime.now(datetime.timezone.utc)
        tab.click(inner(page.timer, '[data-action="toggle"]'))
        wait_attr(tab, page.timer, "data-state", "running", timeout=1)
        time.sleep(2)
    finally:
        relay.start()
    assert eventually(lambda: relay_timer(relay, owner) is not None, timeout=15)
    started = datetime.datetime.fromisoformat(relay_timer(relay, owner)["started_at"])
    assert abs((started - clicked).total_seconds()) <= 2, (started, clicked)
    time.sleep(1)
    tab.click(inner(page.timer, '[data-action="toggle"]'))
    wait_attr(tab, page.timer, "data-state", "today", timeout=2)
    assert eventually(lambda: relay_timer(relay, owner) is None, timeout=5)
    tab.close()
