"""Tables. Every row that belongs to a company carries ``tenant_id``.

Instants are stored as UTC (``UtcDateTime``); local dates as ``date``. The constraints
that guard invariants live here, so the database enforces them even against a racing
second relay process: one timer per user, one open attendance per user, one event per
(tenant, seq), one idempotency record per (user, key).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utc_column(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=sa.Column(UtcDateTime(), nullable=nullable, index=index))


def json_column() -> Any:
    return Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))


class SchemaVersion(SQLModel, table=True):
    __tablename__ = "schema_version"
    id: int = Field(default=1, primary_key=True)
    version: int


class Tenant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=64)
    name: str
    #: The last event sequence number handed out (per tenant, strictly increasing).
    event_seq: int = 0
    dev_key_hash: str | None = None
    created_at: datetime = utc_column()


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    name: str
    leader_id: int | None = Field(default=None, foreign_key="user.id")


class User(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("tenant_id", "username"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    username: str = Field(max_length=150)
    password_hash: str
    role: str
    time_zone: str = "UTC"
    team_id: int | None = Field(default=None, foreign_key="team.id")
    totp_secret: str | None = None
    totp_enabled: bool = False
    totp_last_step: int = 0
    failed_logins: int = 0
    created_at: datetime = utc_column()


class Project(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("tenant_id", "source", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    source: str
    external_id: str
    name: str
    closed: bool = False
    enabled: bool = True
    billable: bool = False
    budget_seconds: int | None = None


class Task(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("tenant_id", "source", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    source: str
    external_id: str
    title: str
    url: str = ""
    parent_external_id: str | None = None
    project_count: int = 1
    section: str | None = None
    #: ``None``: the project's flag applies.
    billable: bool | None = None
    budget_seconds: int | None = None
    completed: bool = False
    #: Set when the task was first seen while its project was already at the limit.
    over_task_limit: bool = False


class Timer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    #: Unique: the database itself allows one timer, running or paused, per user.
    user_id: int = Field(foreign_key="user.id", unique=True)
    task_id: int = Field(foreign_key="task.id")
    #: ``[[start_iso, end_iso | null], ...]``, the running segments.
    segments: list[list[str | None]] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    notes: str = ""


class Entry(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_entry_user_day", "tenant_id", "user_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    user_id: int = Field(foreign_key="user.id")
    task_id: int = Field(foreign_key="task.id", index=True)
    day: date
    duration_seconds: int
    notes: str = ""
    started_at: datetime | None = utc_column(nullable=True)
    ended_at: datetime | None = utc_column(nullable=True)
    origin: str = "manual"  # "timer" or "manual"
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class Attendance(SQLModel, table=True):
    __table_args__ = (
        # One open attendance interval per user, enforced by the database.
        sa.Index(
            "ux_attendance_open",
            "user_id",
            unique=True,
            sqlite_where=sa.text("clock_out IS NULL"),
            postgresql_where=sa.text("clock_out IS NULL"),
        ),
        sa.Index("ix_attendance_user_in", "tenant_id", "user_id", "clock_in"),
    )
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    user_id: int = Field(foreign_key="user.id")
    clock_in: datetime = utc_column()
    clock_out: datetime | None = utc_column(nullable=True)


class Event(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("tenant_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    seq: int
    #: The user whose channel gets it; ``None`` for tenant-wide facts (a renamed task).
    user_id: int | None = Field(default=None, foreign_key="user.id")
    name: str
    data: dict[str, Any] = json_column()
    created_at: datetime = utc_column()


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=100)
    tenant_id: int = Field(foreign_key="tenant.id")
    request_hash: str
    status: int
    response: dict[str, Any] = json_column()
    created_at: datetime = utc_column(index=True)


class SigningKey(SQLModel, table=True):
    __tablename__ = "signing_key"
    kid: str = Field(primary_key=True)
    secret: str
    created_at: datetime = utc_column()
    retired_at: datetime | None = utc_column(nullable=True)


class ApiToken(SQLModel, table=True):
    """A user's API token, stored only as its SHA-256 (``bridge.auth.opaque``).

    One live token per user: issuing deletes the previous rows. Enabling 2FA sets
    ``disabled_at`` rather than deleting, so token-login can answer ``api_token_disabled``.
    """

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = utc_column()
    last_used_at: datetime | None = utc_column(nullable=True)
    disabled_at: datetime | None = utc_column(nullable=True)


class RefreshFamily(SQLModel, table=True):
    """One sign-in: every refresh token rotated from it, and the access tokens' ``sid``."""

    __tablename__ = "refresh_family"
    id: str = Field(primary_key=True, max_length=64)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    #: How the sign-in happened: "password", "api_token" or "legacy".
    method: str
    created_at: datetime = utc_column()
    revoked_at: datetime | None = utc_column(nullable=True)


class RefreshToken(SQLModel, table=True):
    """One refresh token of a family, stored only as its SHA-256; used at most once."""

    __tablename__ = "refresh_token"
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    family_id: str = Field(foreign_key="refresh_family.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column()
    used_at: datetime | None = utc_column(nullable=True)


class LoginThrottle(SQLModel, table=True):
    """Consecutive failed sign-ins of one account (``bridge.auth.ratelimit``)."""

    __tablename__ = "login_throttle"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    failures: int = 0
    locked_until: datetime | None = utc_column(nullable=True)
