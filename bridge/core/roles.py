"""Roles and what each may do: every role check of taskclock is decided here.

Call ``require(role, action)`` at the start of a command; for another user's data
call ``may_act_on_user``. The HTTP layer never compares role names itself.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from bridge.core.errors import Forbidden, InvalidInput


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    TEAM_LEADER = "team_leader"
    STAFF = "staff"


class Action(StrEnum):
    EDIT_BILLING = "edit_billing"            # billable flags and budgets
    MANAGE_DEV_KEY = "manage_dev_key"        # the tenant's API development key
    WATCH_ACTIVITY = "watch_activity"        # the tenant's live activity feed
    VIEW_TEAM = "view_team"                  # entries and months of the team one leads
    VIEW_TENANT = "view_tenant"              # entries and months of anyone in the tenant
    EDIT_OTHERS_ENTRIES = "edit_others_entries"
    MANAGE_USERS = "manage_users"


_ALLOWED: dict[Action, frozenset[Role]] = {
    Action.EDIT_BILLING: frozenset({Role.OWNER, Role.ADMIN, Role.TEAM_LEADER}),
    Action.MANAGE_DEV_KEY: frozenset({Role.OWNER, Role.ADMIN}),
    Action.WATCH_ACTIVITY: frozenset({Role.OWNER, Role.ADMIN, Role.TEAM_LEADER}),
    Action.VIEW_TEAM: frozenset({Role.OWNER, Role.ADMIN, Role.TEAM_LEADER}),
    Action.VIEW_TENANT: frozenset({Role.OWNER, Role.ADMIN}),
    Action.EDIT_OTHERS_ENTRIES: frozenset({Role.OWNER, Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.OWNER, Role.ADMIN}),
}


def parse_role(text: str) -> Role:
    """A role from its name; a clear error listing the valid ones."""
    try:
        return Role(text)
    except ValueError:
        names = ", ".join(role.value for role in Role)
        raise InvalidInput(f"unknown role {text!r}; choose one of {names}", field="role") from None


def allowed(role: Role | str, action: Action) -> bool:
    """Whether ``role`` may do ``action``."""
    return Role(role) in _ALLOWED[action]


def require(role: Role | str, action: Action) -> None:
    """Raise ``Forbidden`` unless ``role`` may do ``action``."""
    if not allowed(role, action):
        raise Forbidden(f"your role may not {action.value.replace('_', ' ')}")


def may_view_user(role: Role | str, actor_id: int, target_id: int, led_member_ids: Collection[int]) -> bool:
    """Whether the actor may read the target's entries and months.

    Everyone sees their own; owners and admins anyone in the tenant; team leaders the
    members of the teams they lead.
    """
    if actor_id == target_id or allowed(role, Action.VIEW_TENANT):
        return True
    return allowed(role, Action.VIEW_TEAM) and target_id in led_member_ids


def may_edit_entry(role: Role | str, actor_id: int, owner_id: int) -> bool:
    """Own entries always; anyone's in the tenant for owners and admins."""
    return actor_id == owner_id or allowed(role, Action.EDIT_OTHERS_ENTRIES)


class Actor:
    """Who is asking: the signed-in user, as every command receives it."""

    __slots__ = ("tenant_id", "user_id", "username", "role", "time_zone")

    def __init__(self, tenant_id: int, user_id: int, username: str, role: Role | str, time_zone: str) -> None:
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.username = username
        self.role = Role(role)
        self.time_zone = time_zone

    def __repr__(self) -> str:
        return f"Actor(tenant={self.tenant_id}, user={self.user_id}, role={self.role.value})"
