"""SQLite WAL checkpoints, off the commit path.

By default SQLite checkpoints inside the commit that crosses 1,000 WAL pages: that
commit then copies the pages back and fsyncs, 10 to 15 ms, and a relay committing a
few hundred timer commands a second put that on every hundredth click (issue 8's p99).
The relay's writer connections turn that off (``wal_autocheckpoint=0``, see
``bridge.store.database``) and a ``Checkpointer`` runs a PASSIVE checkpoint every
second in its own thread, on its own connection: PASSIVE never waits for, nor blocks,
readers or the writer. ``Database.open`` starts it and ``close`` stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

#: How often the WAL is folded back into the database file.
CHECKPOINT_SECONDS = 1.0
#: Writer connections: no checkpoint inside a commit.
WRITER_PRAGMA = "wal_autocheckpoint=0"


class Checkpointer:
    """One database file's checkpoints: ``start()`` once, ``close()`` at shutdown."""

    def __init__(self, path: str, every: float = CHECKPOINT_SECONDS) -> None:
        self._path = path
        self._every = every
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="taskclock-checkpoint")
        self._connection: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        """Stop, fold in what the WAL still holds, and release the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._final)
        self._thread.shutdown()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._every)
            try:
                await loop.run_in_executor(self._thread, self._checkpoint)
            except sqlite3.Error:  # a busy or locked moment: the next second tries again
                log.debug("checkpoint skipped", exc_info=True)

    def _checkpoint(self) -> None:
        if self._connection is None:  # opened in this thread, used only here
            self._connection = sqlite3.connect(self._path, timeout=5, isolation_level=None)
        self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _final(self) -> None:
        try:
            self._checkpoint()
        except sqlite3.Error:
            log.warning("the last checkpoint failed; SQLite folds the WAL in at the next open", exc_info=True)
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
