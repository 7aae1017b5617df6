"""bridge/core/protocol.py and extension/lib/protocol.js name the same things, and
every error code the relay can send is in the protocol."""

from __future__ import annotations

import re
from pathlib import Path

from bridge.core import protocol
from bridge.core.roles import Action, _ALLOWED

ROOT = Path(__file__).resolve().parents[3]
JS = ROOT / "extension" / "lib" / "protocol.js"


def js_object(name: str) -> set[str]:
    text = JS.read_text()
    match = re.search(rf"export const {name} = Object\.freeze\(([\[{{].*?[\]}}])\);", text, re.S)
    assert match, f"{name} is not exported by protocol.js"
    return set(re.findall(r"'([^']+)'", match.group(1)))


def test_message_types_event_names_and_reasons_match():
    assert js_object("MESSAGE_TYPES") == set(protocol.MESSAGE_TYPES)
    assert js_object("EVENT_NAMES") == set(protocol.EVENT_NAMES)
    assert js_object("TRACKABILITY_REASONS") == set(protocol.TRACKABILITY_REASONS)
    assert js_object("ERROR_CODES") == set(protocol.ERROR_CODES)


def test_billing_roles_match():
    assert js_object("BILLING_EDITOR_ROLES") == {role.value for role in _ALLOWED[Action.EDIT_BILLING]}


def test_close_code_matches():
    assert f"CLOSE_UNAUTHENTICATED = {protocol.CLOSE_UNAUTHENTICATED}" in JS.read_text()


def test_every_error_code_the_relay_raises_is_in_the_protocol():
    raised = set()
    for path in (ROOT / "bridge").rglob("*.py"):
        raised |= set(re.findall(r'\bcode ?= ?"([a-z_]+)"', path.read_text()))
    raised -= {"error"}  # the abstract base class's placeholder
    assert raised - set(protocol.ERROR_CODES) == set()
