"""CONTRACT.md's extension surface as JS expressions, and the fixture pages' tasks.

Tests say *what* a user sees ("the timer of ACME-101 is running"); this module knows
*where* that is in the DOM (custom elements with open shadow roots, attributes).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from .fixture_server import SITE_HOSTS
from .tab import Tab, WaitTimeout, shadow


@dataclass(frozen=True)
class TaskPage:
    """A fixture page that opens one task: where it is and what the widget should say."""

    site: str
    path: str
    external_id: str
    scope: str  # CSS of the site's container that holds the task's detail timer

    @property
    def url(self) -> str:
        return f"https://{SITE_HOSTS[self.site]}{self.path}"

    @property
    def timer(self) -> str:
        """JS: the detail ``<taskclock-timer>`` of this task (not a list row's)."""
        return timer_in(self.scope, self.site, self.external_id)


# The detail view of each site, and the task its single-page app navigates to next.
ASANA_PROJECT = "/0/1201000000000101"
PANE = ".TaskPane"
DETAIL = {
    "asana": TaskPage("asana", f"{ASANA_PROJECT}/1202000000000201", "1202000000000201", PANE),
    "jira": TaskPage("jira", "/browse/ACME-101", "ACME-101", "#issue-view"),
    "trello": TaskPage("trello", "/c/Xy12Ab34/12-design-review", "Xy12Ab34", '[role="dialog"]'),
}
NEXT = {
    "asana": TaskPage("asana", f"{ASANA_PROJECT}/1202000000000202", "1202000000000202", PANE),
    "jira": TaskPage("jira", "/browse/ACME-102", "ACME-102", "#issue-view"),
    "trello": TaskPage(
        "trello", "/c/Qw34Er56/13-customer-interviews", "Qw34Er56", '[role="dialog"]'
    ),
}
MARKUP = {
    "asana": TaskPage("asana", f"{ASANA_PROJECT}/1202000000000203", "1202000000000203", PANE),
    "jira": TaskPage("jira", "/browse/ACME-666", "ACME-666", "#issue-view"),
    "trello": TaskPage("trello", "/c/Mk66Up99/14-img-src-x", "Mk66Up99", '[role="dialog"]'),
}
MARKUP_TITLE = "<img src=x onerror=window.__taskclockXss=1>"
MISSING_ANCHOR = {
    "asana": TaskPage("asana", f"{ASANA_PROJECT}/1202000000000240", "1202000000000240", "body"),
    "jira": TaskPage("jira", "/browse/ACME-150", "ACME-150", "body"),
    "trello": TaskPage("trello", "/c/Zz99Yy88/15-quarterly-planning", "Zz99Yy88", "body"),
}
BLOCKED = {
    "subtask": TaskPage(
        "asana", "/0/1201000000000101/1202000000000201?child=1202000000000301",
        "1202000000000301", ".TaskPane",
    ),
    "multi-project": TaskPage(
        "asana", "/1/1199000000000001/project/1201000000000101/task/1202000000000220",
        "1202000000000220", ".TaskPane",
    ),
    "no-project": TaskPage(
        "asana", "/0/1199000000000099/1202000000000230", "1202000000000230", ".TaskPane"
    ),
}


# Each site's list or board view, with the cards it shows (external ids, in page order).
# Asana's and Jira's boards are in the sites' dark themes, Trello's is light.
BOARDS = {
    "asana": (f"https://app.asana.com{ASANA_PROJECT}/board",
              ["1202000000000201", "1202000000000202", "1202000000000203"]),
    "jira": ("https://acme.atlassian.net/jira/software/projects/ACME/boards/1",
             ["ACME-101", "ACME-102", "ACME-103"]),
    "trello": ("https://trello.com/b/AbCd1234/product-roadmap",
               ["Xy12Ab34", "Qw34Er56", "Mk66Up99"]),
}


DARK_BOARDS = {"asana": True, "jira": True, "trello": False}

# The site's own title element on each detail page: our widget must not move it.
TITLES = {
    "asana": ".TaskPane .TaskPaneTitle textarea",
    "jira": 'h1[data-testid="issue.views.issue-base.foundation.summary.heading"]',
    "trello": '[data-testid="card-back-title-input"]',
}


def timer_in(scope: str, source: str, external_id: str) -> str:
    """JS: the ``<taskclock-timer>`` for a task inside the element *scope* selects."""
    css = f'taskclock-timer[data-source="{source}"][data-external-id="{external_id}"]'
    return f"document.querySelector({json.dumps(scope + ' ' + css)})"


def timers_count(source: str, external_id: str, scope: str = "body") -> str:
    """JS: how many timers for this task are inside *scope* (duplicates are a bug)."""
    css = f'{scope} taskclock-timer[data-source="{source}"][data-external-id="{external_id}"]'
    return f"document.querySelectorAll({json.dumps(css)}).length"


def inner(host: str, css: str) -> str:
    """JS: an element inside the open shadow root of the element JS *host* names."""
    return f"({host})?.shadowRoot?.querySelector({json.dumps(css)})"


def attr(element: str, name: str) -> str:
    """JS: one attribute of an element (null when it or the element is missing)."""
    return f"(({element})?.getAttribute({json.dumps(name)}) ?? null)"


PANEL = "document.querySelector('taskclock-panel')"
ATTENDANCE = "document.querySelector('taskclock-attendance')"


def panel(css: str) -> str:
    """JS: an element inside ``<taskclock-panel>``'s shadow root."""
    return shadow("taskclock-panel", css)


def wait_attr(tab: Tab, element: str, name: str, value: str, timeout: float = 5) -> None:
    """Wait until an element's attribute equals *value*; on timeout, say what it was."""
    deadline = time.monotonic() + timeout
    while True:
        seen = tab.evaluate(attr(element, name))
        if seen == value:
            return
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"{name} is {seen!r}, not {value!r}, after {timeout}s: {element}")
        time.sleep(0.05)


def seconds(tab: Tab, element: str, name: str = "data-today-seconds") -> int:
    """An integer attribute such as ``data-today-seconds`` or ``data-seconds``."""
    return int(tab.evaluate(attr(element, name)) or 0)


def open_task(tab: Tab, page: TaskPage, timeout: float = 10, signed_in: bool = True) -> None:
    """Load a task page and wait for its detail timer; for a signed-in browser, until the
    timer knows it (any state but ``signed-out``)."""
    tab.goto(page.url)
    state = attr(page.timer, "data-state")
    tab.wait_for(f"{state} && (!{json.dumps(signed_in)} || {state} !== 'signed-out')", timeout)
