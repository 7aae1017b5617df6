"""What a user does, step by step, with what they must see; shared by both transports.

Each function drives real tabs and checks the relay through its REST API, so the same
scenario proves the direct transport and the agent transport alike.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable

from .relay import Account, Relay
from .surface import ATTENDANCE, TaskPage, attr, inner, panel, seconds, wait_attr
from .tab import Tab

ADD_ENTRY = 'form[data-role="add-entry"]'


def relay_timer(relay: Relay, account: Account) -> dict | None:
    """The user's timer as the relay has it (None when no timer exists)."""
    return relay.api(account, "GET", "/timer")["timer"]


def today_by_task(relay: Relay, account: Account) -> dict[str, int]:
    """Today's seconds per relay task id, as the relay counts them."""
    today = relay.api(account, "GET", "/today")
    return {str(t["task_id"]): t["seconds"] for t in today["tasks"]}


def start_elsewhere_then_stop(
    a: Tab, a_page: TaskPage, b: Tab, b_page: TaskPage, relay: Relay, account: Account
) -> None:
    """Start a task in tab *a*; start another in *b* (another browser, another site),
    which stops the first live in *a*; stop in *b*. Call with both pages open."""
    a.click(inner(a_page.timer, '[data-action="toggle"]'))
    wait_attr(a, a_page.timer, "data-state", "running", timeout=1)  # red within 1 s
    assert eventually(lambda: relay_timer(relay, account) is not None), "no timer at the relay"
    first = relay_timer(relay, account)
    time.sleep(1.2)
    b.click(inner(b_page.timer, '[data-action="toggle"]'))
    wait_attr(b, b_page.timer, "data-state", "running", timeout=1)
    wait_attr(a, a_page.timer, "data-state", "today", timeout=2)  # live, no reload
    assert eventually(lambda: (relay_timer(relay, account) or first)["task_id"] != first["task_id"])
    second = relay_timer(relay, account)
    time.sleep(1.2)
    b.click(inner(b_page.timer, '[data-action="toggle"]'))
    wait_attr(b, b_page.timer, "data-state", "today", timeout=2)
    assert eventually(lambda: relay_timer(relay, account) is None)
    counted = today_by_task(relay, account)
    # The yellow sums show what the relay counted (the widget may lag a tick).
    for tab, page, timer in ((b, b_page, second), (a, a_page, first)):
        shown = seconds(tab, page.timer)
        assert shown >= 1 and abs(shown - counted[str(timer["task_id"])]) <= 1, (shown, counted)


def eventually(check: Callable[[], bool], timeout: float = 3) -> bool:
    """Poll *check* until true or *timeout*: the agent forwards a moment after the click."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def todays_entries(relay: Relay, account: Account) -> list[dict]:
    """Today's entries of the user, every task."""
    today = datetime.date.today().isoformat()
    return relay.api(account, "GET", f"/entries?from={today}&to={today}")["items"]


def entries_with(
    relay: Relay, account: Account, notes: str, count: int | None = None, timeout: float = 3
) -> list[dict]:
    """Today's entries whose notes are *notes*; with *count*, wait until there are that
    many (a command through the agent reaches the relay a moment after the page shows it)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [e for e in todays_entries(relay, account) if e.get("notes") == notes]
        if count is None or len(found) == count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def open_panel(tab: Tab, timer: str) -> None:
    """Click a timer's details button; wait for the panel's add-entry form."""
    tab.click(inner(timer, '[data-action="details"]'))
    tab.wait_for(f"{panel(ADD_ENTRY)} !== null", timeout=5)


def entry_id_with_notes(notes: str) -> str:
    """JS: the data-entry-id of the panel's entry whose notes are *notes* (or null)."""
    return f"""[...document.querySelector('taskclock-panel').shadowRoot
        .querySelectorAll('[data-entry-id]')]
        .find((row) => row.querySelector('[data-role="entry-notes"]')?.textContent
              === {json.dumps(notes)})?.getAttribute('data-entry-id') ?? null"""


def add_edit_delete_entry(
    tab: Tab, page: TaskPage, relay: Relay, account: Account, notes: str
) -> None:
    """In the task panel: add 1:30 with *notes*, edit it to 45m, delete it; the relay
    follows each step. Call with *page* open in *tab*."""
    open_panel(tab, page.timer)
    tab.fill(panel(f'{ADD_ENTRY} [name="duration"]'), "1:30")
    tab.fill(panel(f'{ADD_ENTRY} [name="notes"]'), notes)
    tab.click(panel(f'{ADD_ENTRY} button[type="submit"]'))
    row = tab.wait_for(entry_id_with_notes(notes), timeout=5)
    found = entries_with(relay, account, notes, count=1)
    assert len(found) == 1, (notes, todays_entries(relay, account))
    assert found[0]["duration_seconds"] == 5400 and str(found[0]["id"]) == row
    entry_row = f'[data-entry-id="{row}"]'
    tab.click(panel(f'{entry_row} [data-action="edit"]'))
    tab.fill(panel(f'{entry_row} [name="duration"]'), "45m")
    tab.click(panel(f'{entry_row} [data-action="save"]'))
    tab.wait_for(f"{attr(panel(entry_row), 'data-seconds')} === '2700'", timeout=5)
    assert eventually(lambda: [e["duration_seconds"] for e in entries_with(relay, account, notes)]
                      == [2700]), todays_entries(relay, account)
    tab.click(panel(f'{entry_row} [data-action="delete"]'))
    tab.click(panel(f'{entry_row} [data-action="confirm"]'))
    tab.wait_for(f"{panel(entry_row)} === null", timeout=5)
    assert entries_with(relay, account, notes, count=0) == []
    tab.click(panel('[data-action="close"]'))


def clock_in_and_out(tab: Tab, relay: Relay, account: Account) -> None:
    """Click the attendance badge twice; the badge and the relay flip and flip back.
    Call with any site page open in *tab*."""
    before = tab.wait_for(attr(ATTENDANCE, "data-state"))
    after = "in" if before == "out" else "out"
    tab.click(ATTENDANCE)
    wait_attr(tab, ATTENDANCE, "data-state", after, timeout=2)
    assert eventually(lambda: attendance_state(relay, account) == after)
    tab.click(ATTENDANCE)
    wait_attr(tab, ATTENDANCE, "data-state", before, timeout=2)
    assert eventually(lambda: attendance_state(relay, account) == before)


def attendance_state(relay: Relay, account: Account) -> str:
    """``in`` or ``out``, as the relay has it."""
    return relay.api(account, "GET", "/today")["attendance"]["state"]
