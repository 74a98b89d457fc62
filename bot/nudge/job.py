"""Nudges as timed work for the dispatcher (bot/jobs.py): one key per guild.

A guild is due at each instant one of its open posts has a nudge (the reveal minus each
hours-before asked for); with no open post, shortly after its next scheduled post, to plan that
post's nudges. A run that left work unfinished is due again a minute later.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime, timedelta

from bot import schedule
from bot.jobs import RETRY, Dispatcher
from bot.nudge.service import NudgeService
from bot.storage import Store

NAME = "nudges"
AFTER_POST = timedelta(minutes=1)  # the post is made (and its reveal time known) by then


class NudgeJob:
    name = NAME

    def __init__(
        self,
        store: Store,
        nudges: NudgeService,
        dispatcher: Dispatcher,
        *,
        owns: Callable[[int], bool] = lambda _guild_id: True,
    ) -> None:
        self.store, self.nudges, self.dispatcher, self.owns = store, nudges, dispatcher, owns

    async def planned(self, now: datetime) -> Iterable[tuple[Hashable, datetime]]:
        """Guilds with a member who asked or a role ping; a nudge that fell due while the bot
        was down (its post still open) is due at once."""
        if not self.nudges.plugged:
            return []
        due = []
        for guild_id in await self.store.nudges.guilds():
            if self.owns(guild_id):
                when = await self.next_due(guild_id, now, after_run=False)
                if when is not None:
                    due.append((guild_id, when))
        return due

    async def next_due(self, key: Hashable, now: datetime, *, after_run: bool) -> datetime | None:
        assert isinstance(key, int)
        guild_id = key
        if not self.nudges.plugged or guild_id not in await self.store.nudges.guilds():
            return None
        wake: list[datetime] = []
        if after_run and guild_id in self.nudges.unfinished:
            wake.append(now + RETRY)
        for post in await self.store.daily.in_state("posted", guild_id):
            if post.reveal_at is None or post.reveal_at <= now:
                continue
            for at in await self.nudges.instants(guild_id, post):
                if at > now:
                    wake.append(at)
                elif not after_run:
                    wake.append(now)  # due while the bot was down, or just turned on
        if await self.store.daily.in_state("pending", guild_id):
            wake.append(now + RETRY)  # today's post is late: plan its nudges once it is out
        settings = await self.store.guilds.get(guild_id)
        if settings is not None and schedule.posts(settings):
            after = schedule.next_post_after(settings, now)
            if after is not None:
                wake.append(after + AFTER_POST)
        return min(wake, default=None)

    async def run(self, key: Hashable) -> None:
        assert isinstance(key, int)
        await self.nudges.run(key)

    def changed(self, guild_id: int) -> None:
        """A member turned nudges on or off, or organisers changed the role ping."""
        if NAME in self.dispatcher.jobs and self.owns(guild_id):
            self.dispatcher.soon(NAME, guild_id)
