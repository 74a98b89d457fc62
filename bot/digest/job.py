"""The weekly digest as timed work for the dispatcher (bot/jobs.py): one key per guild."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime

from bot.digest.service import DigestService
from bot.jobs import Dispatcher
from bot.storage import Store

NAME = "digest"


class DigestJob:
    name = NAME

    def __init__(
        self,
        store: Store,
        digests: DigestService,
        dispatcher: Dispatcher,
        *,
        owns: Callable[[int], bool] = lambda _guild_id: True,
    ) -> None:
        self.store, self.digests, self.dispatcher, self.owns = store, digests, dispatcher, owns

    async def planned(self, now: datetime) -> Iterable[tuple[Hashable, datetime]]:
        """Each guild with the digest on: now if this week's is due and not out (it was due
        while the bot was down), else its next weekly instant."""
        due = []
        for settings in await self.store.digests.settings():
            if self.owns(settings.guild_id):
                when = await self.digests.next_due(settings.guild_id, now, retry=False)
                if when is not None:
                    due.append((settings.guild_id, when))
        return due

    async def next_due(self, key: Hashable, now: datetime, *, after_run: bool) -> datetime | None:
        assert isinstance(key, int)
        return await self.digests.next_due(key, now, retry=after_run)

    async def run(self, key: Hashable) -> None:
        assert isinstance(key, int)
        await self.digests.run(key)

    async def changed(self, guild_id: int) -> None:
        """The guild's digest day or time changed (or it was switched off)."""
        if self.owns(guild_id):
            await self.dispatcher.replan(NAME, guild_id)
