"""Group commit for thread answers.

Every answer is committed before ``add`` returns, but answers that arrive together share one
transaction: under load the batch grows and the per-answer cost of COMMIT shrinks, while a lone
answer is committed at once. One writer task, so the database sees one writer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import suppress

from bot.storage import NewAnswer, Store

log = logging.getLogger(__name__)
MAX_BATCH = 500


class AnswerWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: asyncio.Queue[tuple[NewAnswer | None, asyncio.Future[None]] | None] = (
            asyncio.Queue()
        )
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="answer-writer")

    async def close(self) -> None:
        if self._task is not None:
            # A sentinel behind the queued answers: they land before the writer stops.
            self._queue.put_nowait(None)
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def add(self, answer: NewAnswer) -> None:
        """Store one answer (idempotent per message id). Returns after COMMIT."""
        if self._task is None:
            await self.store.answers.record([answer])
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((answer, future))
        await future

    async def add_many(self, answers: Sequence[NewAnswer]) -> None:
        """Store several answers; all are queued before this awaits, so an edit or delete
        that arrives meanwhile (and flushes) finds them. Returns after COMMIT."""
        if self._task is None:
            await self.store.answers.record(answers)
            return
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[None]] = []
        for answer in answers:
            futures.append(loop.create_future())
            self._queue.put_nowait((answer, futures[-1]))
        await asyncio.gather(*futures)

    async def flush(self) -> None:
        """Return once every answer queued before this call is committed. Edits and deletes
        wait on this, so an edit that follows its message on the gateway finds the row."""
        if self._task is None:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((None, future))  # a barrier: no answer, just a waiter
        await future

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                item = self._queue.get_nowait()
                if item is None:
                    stop = True
                    break
                batch.append(item)
            try:
                await self.store.answers.record([a for a, _ in batch if a is not None])
            except Exception as exc:  # disk full, database gone: tell every waiter
                log.exception("storing %d answers failed", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if stop:
                    return
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
            if stop:
                return
