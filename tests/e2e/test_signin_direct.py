"""Direct transport: signing in on options.html, the timer on each site without moving
the site's title, and a restarted service worker (issues 6 and 7), in Chromium and Firefox.

Order matters within the module: the wrong password is tried before the real sign-in.
Everything that works the same over both transports is in test_pages.py.
"""

from __future__ import annotations

import json
import time

import pytest

from .chromium import ChromiumBrowser
from .conftest import BROWSERS, Browser
from .options_page import ERROR, open_options, sign_in_direct, status, submit_sign_in
from .relay import Account, Relay
from .scenarios import eventually, relay_timer
from .surface import DETAIL, TITLES, attr, inner, open_task, wait_attr
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
    # The sites say so too: a signed-out timer, not a broken one.
    open_task(tab, DETAIL["trello"], signed_in=False)
    assert tab.evaluate(attr(DETAIL["trello"].timer, "data-state")) == "signed-out"
    tab.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_sign_in_direct(
    kind: str, browsers: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    tab = sign_in_direct(browsers[kind], relay.url, owner)
    assert owner.password not in storage_dump(tab)
    tab.close()


@pytest.fixture(scope="module")
def signed_in_direct(
    browsers: dict[str, Browser], relay: Relay, owner: Account
) -> dict[str, Browser]:
    """Both browsers signed in (a no-op after test_sign_in_direct; needed with ``-k``)."""
    for browser in browsers.values():
        tab = open_options(browser)
        if status(tab) != "signed-in":
            tab.close()
            tab = sign_in_direct(browser, relay.url, owner)
        tab.close()
    return browsers


@pytest.mark.parametrize("site", sorted(DETAIL))
@pytest.mark.parametrize("kind", BROWSERS)
def test_timer_appears_with_source_and_external_id(
    kind: str, site: str, signed_in_direct: dict[str, Browser]
) -> None:
    page = DETAIL[site]
    tab = signed_in_direct[kind].new_tab()
    open_task(tab, page)
    assert tab.evaluate(attr(page.timer, "data-source")) == site
    assert tab.evaluate(attr(page.timer, "data-external-id")) == page.external_id
    assert tab.evaluate(attr(page.timer, "data-state")) in ("idle", "today")
    assert tab.evaluate(attr(page.timer, "data-placement")) is None
    # No layout shift: the site's title sits where it sits without our widget.
    title = f"document.querySelector({json.dumps(TITLES[site])})"
    box = f"JSON.stringify({title}.getBoundingClientRect())"
    with_widget = tab.evaluate(box)
    without = tab.evaluate(
        f"(() => {{ const t = {page.timer}; const mark = document.createComment('');"
        f" t.replaceWith(mark); const b = {box}; mark.replaceWith(t); return b; }})()"
    )
    assert with_widget == without
    tab.close()


def test_restarted_service_worker_answers_at_once(
    signed_in_direct: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    """Chromium stops an idle MV3 worker; the next page must still know the running timer
    (state kept in storage.session) and a click must still reach the relay."""
    browser = signed_in_direct["chromium"]
    assert isinstance(browser, ChromiumBrowser)
    page = DETAIL["asana"]
    tab = browser.new_tab()
    open_task(tab, page)
    tab.click(inner(page.timer, '[data-action="toggle"]'))
    wait_attr(tab, page.timer, "data-state", "running", timeout=1)
    browser.worker_evaluate("globalThis.__taskclockBeforeStop = true")
    browser.stop_service_workers()
    open_task(tab, page)
    wait_attr(tab, page.timer, "data-state", "running", timeout=2)
    assert browser.worker_evaluate("globalThis.__taskclockBeforeStop ?? null") is None
    time.sleep(1)
    tab.click(inner(page.timer, '[data-action="toggle"]'))
    wait_attr(tab, page.timer, "data-state", "today", timeout=2)
    assert eventually(lambda: relay_timer(relay, owner) is None)
    tab.close()


@pytest.mark.parametrize("kind", BROWSERS)
def test_timer_is_reachable_by_keyboard(
    kind: str, signed_in_direct: dict[str, Browser], relay: Relay, owner: Account
) -> None:
    """Tab from the issue's breadcrumb lands on the timer; Enter starts and stops it."""
    page = DETAIL["jira"]
    tab = signed_in_direct[kind].new_tab()
    open_task(tab, page)
    crumb_css = ('[data-testid="issue.views.issue-base.foundation.breadcrumbs.'
                 'breadcrumb-current-issue-container"] a')
    crumb = f"document.querySelector({json.dumps(crumb_css)})"
    tab.evaluate(f"{crumb}.focus() ?? true")
    tab.press("Tab")
    toggle = inner(page.timer, '[data-action="toggle"]')
    tab.wait_for(f"document.activeElement === {page.timer}"
                 f" && {page.timer}.shadowRoot.activeElement === {toggle}", timeout=2)
    tab.press("Enter")
    wait_attr(tab, page.timer, "data-state", "running", timeout=1)
    time.sleep(1.2)
    tab.press("Enter")
    wait_attr(tab, page.timer, "data-state", "today", timeout=2)
    assert eventually(lambda: relay_timer(relay, owner) is None)
    tab.close()
