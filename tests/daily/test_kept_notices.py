"""After an answer the member is told of the streak freezes spent for them; the read that
finds nothing to tell is not repeated until the guild's next post is scored (issue 25)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

from bot.clock import FakeClock
from bot.daily.kept import KeptNotices
from bot.storage import Store
from bot.storage.streaks import KeptStreak

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
G, H, ANA, BEN = 1, 2, 10, 11


class Freezes:
    """The store's kept_streaks: what is untold per (guild, member), marked told when read."""

    def __init__(self) -> None:
        self.untold: dict[tuple[int, int], list[KeptStreak]] = {}
        self.reads: list[tuple[int, int]] = []
        self.gate: asyncio.Event | None = None  # holds a read half-way when set

    async def kept_streaks(self, guild_id: int, user_id: int, now: datetime) -> list[KeptStreak]:
        self.reads.append((guild_id, user_id))
        found = self.untold.pop((guild_id, user_id), [])
        if self.gate is not None:
            await self.gate.wait()
        return found


def notices() -> tuple[KeptNotices, Freezes]:
    freezes = Freezes()
    store = cast(Store, SimpleNamespace(scores=freezes))
    return KeptNotices(store, FakeClock(NOW)), freezes


async def test_nothing_to_tell_is_read_once_until_the_guild_is_scored() -> None:
    kept, freezes = notices()
    assert await kept.after_answer(G, ANA) == []
    assert await kept.after_answer(G, ANA) == []
    assert await kept.after_answer(H, ANA) == []
    assert freezes.reads == [(G, ANA), (H, ANA)]

    freezes.untold[(G, ANA)] = [KeptStreak("2026-03-01", 7)]  # the reveal spent one
    kept.scored(G)
    assert await kept.after_answer(G, ANA) == [KeptStreak("2026-03-01", 7)]
    assert await kept.after_answer(G, ANA) == []  # told once
    assert await kept.after_answer(H, ANA) == []  # another guild's scoring changed nothing
    assert freezes.reads == [(G, ANA), (H, ANA), (G, ANA), (G, ANA)]


async def test_a_check_under_way_while_a_post_is_scored_is_not_remembered() -> None:
    kept, freezes = notices()
    freezes.gate = asyncio.Event()
    checking = asyncio.ensure_future(kept.after_answer(G, BEN))
    await asyncio.sleep(0)  # read before the scoring committed: nothing yet
    freezes.untold[(G, BEN)] = [KeptStreak("2026-03-01", 3)]
    kept.scored(G)
    freezes.gate.set()
    assert await checking == []
    freezes.gate = None
    assert await kept.after_answer(G, BEN) == [KeptStreak("2026-03-01", 3)]


async def test_two_answers_at_once_are_each_checked_and_told_once() -> None:
    kept, freezes = notices()
    freezes.untold[(G, ANA)] = [KeptStreak("2026-03-01", 7)]
    first, second = await asyncio.gather(kept.after_answer(G, ANA), kept.after_answer(G, ANA))
    assert sorted([first, second], key=len) == [[], [KeptStreak("2026-03-01", 7)]]
    assert await kept.after_answer(G, ANA) == []
    assert len(freezes.reads) == 2
