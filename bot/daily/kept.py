"""Telling members of the streak freezes spent for them, after their answers, without a read
per answer.

A freeze is spent only when a post of the guild is scored (``award`` at the reveal, in the
process that owns the guild). So once a member's check found nothing to tell, nothing will
be until the guild's next scoring: their further answers skip the read (issue 25: it was the
answer path's last statement per answer). Scoring forgets the guild's members, and a check
that was under way while a post was scored is not remembered.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.storage import Store
from bot.storage.streaks import KeptStreak


class KeptNotices:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._nothing: dict[int, set[int]] = {}  # guild -> members with nothing to be told
        self._scorings = 0

    async def after_answer(self, guild_id: int, user_id: int) -> list[KeptStreak]:
        """The freezes spent for the member that they were not told of, each returned once
        (marked told before the glue sends the DM)."""
        if self.known_nothing(guild_id, user_id):
            return []
        scorings = self._scorings
        kept = await self.store.scores.kept_streaks(guild_id, user_id, self.clock.now())
        if not kept and scorings == self._scorings:
            self._nothing.setdefault(guild_id, set()).add(user_id)
        return kept

    def known_nothing(self, guild_id: int, user_id: int) -> bool:
        nothing = self._nothing.get(guild_id)
        return nothing is not None and user_id in nothing

    def scored(self, guild_id: int) -> None:
        """A post of the guild was scored (its transaction committed, or failed): freezes may
        have been spent for any of its members."""
        self._scorings += 1
        self._nothing.pop(guild_id, None)
