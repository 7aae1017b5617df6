"""Fixtures for the authentication tests."""

from __future__ import annotations

from typing import Any

import pytest
from auth_helpers import Raw


@pytest.fixture
def raw(relay: Any) -> Raw:
    return Raw(relay)
