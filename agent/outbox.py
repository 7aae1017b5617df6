"""The durable outbox: the only module importing ``sqlmodel``.

Call ``Outbox.open(path, sealer)`` once when the daemon starts. ``append`` a command
before it is forwarded (the row is on disk when ``append`` returns), ``remove`` it after
the relay answered, and ``pending(account)`` after a restart or an outage to replay what
is left, in the order it was accepted. Bodies (and the notes in them) are sealed.

Calls are synchronous: a single person's clicks are a handful of small SQLite writes,
and each must reach the disk before the browser is answered anyway.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, create_engine, func, select

from agent.command import Command
from agent.errors import AgentError
from agent.sealing import Sealer

log = logging.getLogger("taskclock.agent.outbox")


class DuplicateCommand(AgentError):
    """A command with this idempotency key is already waiting (the browser repeated it)."""

    code = "duplicate_command"


class OutboxRow(SQLModel, table=True):
    """One accepted, not yet answered command."""

    __tablename__ = "outbox"

    seq: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True)
    account: str = Field(index=True)
    op: str
    method: str
    path: str
    sealed_body: bytes | None = None
    #: Local wall-clock seconds when the browser's click reached the agent.
    accepted_at: float
    attempts: int = 0
    last_error: str | None = None


class LiveCursor(SQLModel, table=True):
    """The last live event seq the agent has seen, per account (``since`` after a restart)."""

    __tablename__ = "live_cursor"

    account: str = Field(primary_key=True)
    seq: int = 0


class Outbox:
    """SQLite file of pending commands."""

    def __init__(self, engine: Any, sealer: Sealer) -> None:
        self._engine = engine
        self._sealer = sealer

    @classmethod
    def open(cls, path: Path, sealer: Sealer) -> Outbox:
        """Open (creating if needed) the outbox file; private to this user."""
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _durable_pragmas)
        SQLModel.metadata.create_all(engine, tables=[OutboxRow.__table__, LiveCursor.__table__])
        path.chmod(0o600)
        return cls(engine, sealer)

    def close(self) -> None:
        self._engine.dispose()

    def append(self, command: Command) -> Command:
        """Write ``command``; when this returns it survives a crash. Returns it with ``seq``.

        Raise ``DuplicateCommand`` if its key is already waiting.
        """
        sealed = None
        if command.body is not None:
            sealed = self._sealer.seal(json.dumps(command.body).encode("utf-8"), command.key)
        row = OutboxRow(
            key=command.key, account=command.account, op=command.op, method=command.method,
            path=command.path, sealed_body=sealed, accepted_at=command.accepted_at,
        )
        with Session(self._engine) as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError as exc:
                raise DuplicateCommand(f"command {command.key} is already in the outbox") from exc
            session.refresh(row)
            return self._command(row)

    def pending(self, account: str) -> list[Command]:
        """Every command of ``account`` still waiting, oldest first.

        A row that cannot be unsealed any more (the keyring's key was replaced) can never
        be sent: it is dropped with a warning rather than blocking every later command.
        """
        with Session(self._engine) as session:
            rows = session.exec(select(OutboxRow).where(OutboxRow.account == account).order_by(OutboxRow.seq)).all()
            commands = []
            for row in rows:
                try:
                    commands.append(self._command(row))
                except AgentError as exc:
                    log.warning("dropping outbox row %s (%s): %s", row.key, row.op, exc.message)
                    session.delete(row)
            session.commit()
            return commands

    def count(self, account: str | None = None) -> int:
        """How many commands wait (for ``account``, or all)."""
        with Session(self._engine) as session:
            query = select(func.count()).select_from(OutboxRow)
            if account is not None:
                query = query.where(OutboxRow.account == account)
            return int(session.exec(query).one())

    def record_attempt(self, key: str, error: str | None) -> None:
        """Count a failed attempt, with the reason ``status`` shows."""
        with Session(self._engine) as session:
            row = session.exec(select(OutboxRow).where(OutboxRow.key == key)).first()
            if row is not None:
                row.attempts += 1
                row.last_error = error
                session.add(row)
                session.commit()

    def last_error(self, account: str) -> str | None:
        """The reason the oldest waiting command has not gone through yet."""
        with Session(self._engine) as session:
            query = select(OutboxRow.last_error).where(OutboxRow.account == account).order_by(OutboxRow.seq)
            return session.exec(query).first()

    def remove(self, key: str) -> None:
        """Forget a command the relay has answered (accepted or refused for good)."""
        with Session(self._engine) as session:
            row = session.exec(select(OutboxRow).where(OutboxRow.key == key)).first()
            if row is not None:
                session.delete(row)
                session.commit()

    def cursor(self, account: str) -> int:
        """The last event seq saved for ``account``; 0 when none."""
        with Session(self._engine) as session:
            row = session.get(LiveCursor, account)
            return row.seq if row is not None else 0

    def save_cursor(self, account: str, seq: int) -> None:
        """Remember the last event seq seen, so a restarted daemon asks only for newer ones."""
        with Session(self._engine) as session:
            row = session.get(LiveCursor, account) or LiveCursor(account=account)
            row.seq = seq
            session.add(row)
            session.commit()

    def _command(self, row: OutboxRow) -> Command:
        body = None
        if row.sealed_body is not None:
            body = json.loads(self._sealer.open(row.sealed_body, row.key))
        return Command(
            key=row.key, account=row.account, op=row.op, method=row.method, path=row.path,
            body=body, accepted_at=row.accepted_at, attempts=row.attempts, seq=row.seq,
        )


def _durable_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL + synchronous=FULL: a committed row survives SIGKILL and power loss.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
