"""The extension's own pages as a user drives them: options.html and timesheet.html.

Sign-in goes through the real form (typed, clicked), so a test exercises exactly what a
user does in direct mode; CONTRACT.md names the inputs and status attributes.
"""

from __future__ import annotations

import json
from typing import Protocol

from .relay import Account
from .surface import attr
from .tab import Tab

STATUS = "document.querySelector('[data-role=\"status\"]')"
ERROR = "document.querySelector('[data-role=\"error\"]')"


class ExtensionBrowser(Protocol):
    """What these helpers need from a browser fixture."""

    extension_origin: str

    def new_tab(self, url: str | None = None) -> Tab: ...


def field(name: str) -> str:
    """JS: the options form's input called *name* (by name, else by id)."""
    return f"document.querySelector({json.dumps(f'[name={name!r}], #{name}')})"


def open_options(browser: ExtensionBrowser, tab: Tab | None = None) -> Tab:
    """options.html in *tab* (or a new tab), once its status has rendered."""
    url = f"{browser.extension_origin}/options.html"
    if tab is None:
        tab = browser.new_tab(url)
    else:
        tab.goto(url)
    tab.wait_for(attr(STATUS, "data-state"), timeout=10)
    return tab


def status(tab: Tab) -> str | None:
    """``agent``, ``signed-in`` or ``signed-out`` (the status element's data-state)."""
    return tab.evaluate(attr(STATUS, "data-state"))


def submit_sign_in(tab: Tab, relay_url: str, account: Account, password: str) -> None:
    """Type relay, tenant, username and password into the form and submit it."""
    tab.fill(field("relay"), relay_url)
    tab.fill(field("tenant"), account.tenant)
    tab.fill(field("username"), account.username)
    tab.fill(field("password"), password)
    tab.click(
        "document.querySelector('form button[type=\"submit\"], form input[type=\"submit\"]')"
    )


def sign_in_direct(
    browser: ExtensionBrowser, relay_url: str, account: Account, timeout: float = 10
) -> Tab:
    """Sign in on options.html (direct transport); returns the options tab, signed in."""
    tab = open_options(browser)
    submit_sign_in(tab, relay_url, account, account.password)
    tab.wait_for(f"{attr(STATUS, 'data-state')} === 'signed-in'", timeout)
    return tab


def diagnostics(tab: Tab, site: str) -> dict[str, int]:
    """The options page's per-site counters: ``{"misses": n, "mounted": n}``."""
    row = f"document.querySelector('[data-role=\"diagnostics\"] [data-site=\"{site}\"]')"
    values = tab.evaluate(
        f"({{misses: {attr(row, 'data-misses')}, mounted: {attr(row, 'data-mounted')}}})"
    )
    return {key: int(value or 0) for key, value in values.items()}


def open_timesheet(browser: ExtensionBrowser, month: str, tab: Tab | None = None) -> Tab:
    """timesheet.html for *month* (YYYY-MM), once its day rows have rendered."""
    url = f"{browser.extension_origin}/timesheet.html?month={month}"
    if tab is None:
        tab = browser.new_tab(url)
    else:
        tab.goto(url)
    tab.wait_for("document.querySelectorAll('[data-date]').length > 0", timeout=10)
    return tab
