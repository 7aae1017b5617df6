"""Direct transport, sign-in and timers (issues 6 and 7), in Chromium and Firefox at once.

Both browsers belong to the same user, as a person with a laptop and a desktop would:
what one does, the other must show live. Order matters within the module: the wrong
password is tried before the real sign-in.
"""

from __future__ import annotations

import pytest

from .conftest import BROWSERS, Browser
from .options_page import ERROR, open_options, sign_in_direct, status, submit_sign_in
from .relay import Account, Relay
from .scenarios import clock_in_and_out, start_elsewhere_then_stop
from .surface import DETAIL, attr, open_task
from .tab import Tab


def storage_dump(tab: Tab) -> str:
    """Everything the extension keeps in storage, as JSON text (from one of its pages)."""
    return tab.evaluate(
        "JSON.stringify(await (globalThis.browser ?? globalThis.chrome).storage.local.get(null))"
    )


@pytest.mark.parametrize("kind", BROWSERS)
def test_wrong_password_shows_error_and_stores_nothing(
    kind: str, browsers: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    tab = open_options(browsers[kind])
    submit_sign_in(tab, relay.url, owner, "not the password")
    tab.wait_for(f"({ERROR})?.textContent.trim().length > 0", timeout=10)
    assert status(tab) == "signed-out"
    assert "not the password" not in storage_dump(tab)
    open_options(browsers[kind], tab)  # a reload shows what was kept
    assert status(tab) == "signed-out"
    tab.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_sign_in_direct(
    kind: str, browsers: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    tab = sign_in_direct(browsers[kind], relay.url, owner)
    assert owner.password not in storage_dump(tab)
    tab.close()


@pytest.mark.parametrize("site", sorted(DETAIL))
@pytest.mark.parametrize("kind", BROWSERS)
def test_timer_appears_with_source_and_external_id(
    kind: str, site: str, browsers: dict[str, Browser]
) -> None:
    page = DETAIL[site]
    tab = browsers[kind].new_tab()
    open_task(tab, page)
    assert tab.evaluate(attr(page.timer, "data-source")) == site
    assert tab.evaluate(attr(page.timer, "data-external-id")) == page.external_id
    assert tab.evaluate(attr(page.timer, "data-state")) in ("idle", "today")
    assert tab.evaluate(attr(page.timer, "data-placement")) is None
    tab.close()


@pytest.mark.parametrize(("first", "second"), [("chromium", "firefox"), ("firefox", "chromium")])
def test_start_moves_live_across_browsers_and_stop_shows_today(
    first: str, second: str, browsers: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    pages = ("asana", "trello") if first == "chromium" else ("jira", "asana")
    a, b = browsers[first].new_tab(), browsers[second].new_tab()
    open_task(a, DETAIL[pages[0]])
    open_task(b, DETAIL[pages[1]])
    start_elsewhere_then_stop(a, DETAIL[pages[0]], b, DETAIL[pages[1]], relay, owner)
    a.close()
    b.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_attendance_badge_clocks_in_and_out(
    kind: str, browsers: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    tab = browsers[kind].new_tab()
    open_task(tab, DETAIL["jira"])
    clock_in_and_out(tab, relay, owner)
    tab.close()
