"""Teams: a leader and members, within one tenant. Team leaders see their members'
entries and months (the decision is ``bridge.core.roles.may_view_user``; the members are
read by ``accounts.led_member_ids``). Call these from administration and tests.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from bridge.core.errors import NotFound
from bridge.store import accounts
from bridge.store.database import Tx
from bridge.store.models import Team, User


async def create_team(tx: Tx, tenant_id: int, name: str, leader_id: int | None) -> Team:
    """A new team; the leader must be a user of the same tenant."""
    if leader_id is not None:
        await accounts.user_by_id(tx.session, tenant_id, leader_id)
    team = Team(tenant_id=tenant_id, name=name, leader_id=leader_id)
    tx.session.add(team)
    await tx.session.flush()
    return team


async def add_member(tx: Tx, tenant_id: int, team_id: int, user_id: int) -> None:
    """Put a user of the tenant into one of its teams (a user is in at most one team)."""
    await accounts.user_by_id(tx.session, tenant_id, user_id)
    team = await tx.session.get(Team, team_id)
    if team is None or team.tenant_id != tenant_id:
        raise NotFound("no such team")
    statement = sa.update(User).where(col(User.tenant_id) == tenant_id, col(User.id) == user_id).values(team_id=team_id)
    await tx.session.execute(statement)
