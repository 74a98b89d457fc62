"""Edits of answers are applied in the order the gateway delivered them, whatever
each one waits for on the way (the answers before it to commit, the database)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from bot.clock import FakeClock
from bot.daily.answers import AnswerLog
from bot.daily.ingest import AnswerWriter
from bot.daily.publishing import Publisher
from bot.storage import Store
from tests.test_storage import ANA, answer, claim


class SlowFirstFlush(AnswerWriter):
    """The first flush waits a while (a batch still committing), later ones do not."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.calls = 0

    async def flush(self) -> None:
        self.calls += 1
        if self.calls == 1:
            await asyncio.sleep(0.05)


async def test_two_edits_whose_waits_cross_leave_the_later_text(
    store: Store, clock: FakeClock
) -> None:
    post = await claim(store)
    await store.answers.record([answer(post, ANA, 10, "first words")])
    log = AnswerLog(store, cast(Publisher, cast(Any, None)), SlowFirstFlush(store), clock)
    # Delivered in this order; the first edit's wait is the longer one.
    first = asyncio.create_task(log.record_edit(10, "second words"))
    second = asyncio.create_task(log.record_edit(10, "third words, the latest"))
    assert await asyncio.gather(first, second) == [True, True]
    stored = await store.answers.by_message(10)
    assert stored is not None
    assert (stored.content, stored.edit_count) == ("third words, the latest", 2)
