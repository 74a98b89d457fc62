"""Group commit for thread answers.

Every answer is committed before ``add`` returns, but answers that arrive together share one
transaction: under load the batch grows and the per-answer cost of COMMIT shrinks, while a lone
answer is committed at once. One writer task, so the database sees one writer.

In a steady stream (an answer arriving within ``window`` of the last commit, with fewer than
``FULL_ENOUGH`` waiting), the writer waits ``window`` before it takes the batch: at 2,000
answers/s batches held about 3 answers, and each batch's fixed cost (the trip to the database
thread, BEGIN, COMMIT and its WAL write) was most of the CPU per answer (issue 25). An answer
after a quiet spell is committed at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import suppress

from bot.storage import NewAnswer, Store

log = logging.getLogger(__name__)
MAX_BATCH = 500
WINDOW = 0.002  # seconds a batch stays open in a steady stream
FULL_ENOUGH = 8  # answers already waiting: commit them without waiting for more


class AnswerWriter:
    def __init__(self, store: Store, window: float = WINDOW) -> None:
        self.store = store
        self.window = window
        self._last_commit = float("-inf")  # loop time
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
        future = self.offer(answer)
        if future is None:
            await self.store.answers.record([answer])
            return
        await future

    def offer(self, answer: NewAnswer) -> asyncio.Future[None] | None:
        """Queue one answer; the future is done after its COMMIT (None: the writer is not
        running, use ``add``). For the gateway's answers, which need no task of their own."""
        if self._task is None:
            return None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((answer, future))
        return future

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
        loop = asyncio.get_running_loop()
        while True:
            first = await self._queue.get()
            if first is None:
                return
            if (
                self.window > 0
                and self._queue.qsize() < FULL_ENOUGH
                and loop.time() - self._last_commit < self.window
            ):
                await asyncio.sleep(self.window)  # a steady stream: let the next answers join
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
            self._last_commit = loop.time()
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
            if stop:
                return
