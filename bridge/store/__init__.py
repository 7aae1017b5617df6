"""The relay's storage: SQLModel over SQLite (default) or PostgreSQL.

This package owns ``sqlmodel`` and ``sqlalchemy``: no module outside it imports them.
``database`` opens engines and transactions, ``models`` declares the tables,
``schema`` versions them, and the query modules (``accounts``, ``tasks``, ``tracking``,
``events``, ``idempotency``, ``reports``) hold the statements, every one of them
scoped by tenant.
"""
