"""The daily question as timed work for the dispatcher (bot/jobs.py): one key per guild.

``bot/schedule.py`` says when each guild is next due (DST included). After a run the guild's
next instant is worked out again: its next post, an open post's reveal, a blind discussion
thread's lock, or a retry in a minute if today's post or a due reveal is still unfinished.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Protocol

from bot import schedule
from bot.jobs import RETRY, Dispatcher
from bot.storage import GuildSettings, Store

NAME = "daily"


class GuildWork(Protocol):
    """What the job needs from the daily service."""

    async def run_guild(self, guild_id: int) -> object:
        """Do what is due in one guild now: post, retry, reveal, lock. Idempotent."""
        ...

    def unblock(self, guild_id: int) -> None:
        """The guild's settings changed: try its channel again."""
        ...


class DailyJob:
    name = NAME

    def __init__(
        self,
        store: Store,
        work: GuildWork,
        dispatcher: Dispatcher,
        *,
        owns: Callable[[int], bool] = lambda _guild_id: True,
    ) -> None:
        self.store, self.work, self.dispatcher = store, work, dispatcher
        self.owns = owns  # the guilds of this process's shards (bot/ops/shards.py); all by default
        self._settings: dict[int, GuildSettings] = {}  # guilds that post

    # -- the Job protocol ---------------------------------------------------------------------
    async def planned(self, now: datetime) -> Iterable[tuple[Hashable, datetime]]:
        """Every guild from the database: two queries for all guilds, one for all open posts,
        one for the blind threads to lock. A slot that came while the bot was down is due now."""
        self._settings = {
            s.guild_id: s for s in await self.store.guilds.configured() if self.owns(s.guild_id)
        }
        due: list[tuple[Hashable, datetime]] = []
        for settings in self._settings.values():
            when = schedule.next_due(settings, now)
            if when is not None:
                due.append((settings.guild_id, when))
        for post in await self.store.daily.in_state("posted"):
            if post.reveal_at is not None and self.owns(post.guild_id):
                due.append((post.guild_id, post.reveal_at))
        for guild_id, lock_at in (await self.store.blind.next_lock()).items():
            if self.owns(guild_id):
                due.append((guild_id, lock_at))
        return due

    async def next_due(self, key: Hashable, now: datetime, *, after_run: bool) -> datetime | None:
        """The guild's next instant: one or two queries, for this guild only."""
        assert isinstance(key, int)
        guild_id = key
        settings = self._settings.get(guild_id)
        wake: datetime | None = None
        if settings is not None:
            if not after_run:
                wake = schedule.next_due(settings, now)
            else:
                wake = schedule.next_post_after(settings, now)
                slot = schedule.due_slot(settings, now)
                post = await self.store.daily.get(guild_id, slot.key) if slot else None
                if slot is not None and (post is None or post.state == "pending"):
                    wake = now + RETRY
        for post in await self.store.daily.in_state("posted", guild_id):
            if post.reveal_at is not None:
                # Still open after a run that was due to reveal it: it failed, look again soon.
                wake = _earliest(wake, _again(post.reveal_at, now, after_run))
        for lock_at in (await self.store.blind.next_lock(guild_id)).values():
            # A blind discussion thread to lock; still unlocked after its run: retry soon.
            wake = _earliest(wake, _again(lock_at, now, after_run))
        return wake

    async def run(self, key: Hashable) -> None:
        assert isinstance(key, int)
        await self.work.run_guild(key)

    # -- what the rest of the bot calls -------------------------------------------------------
    async def reschedule(self, guild_id: int | None = None) -> None:
        """A guild's settings changed (or, without a guild, possibly all of them)."""
        if guild_id is None:
            await self.dispatcher.reload()
            return
        if not self.owns(guild_id):
            return  # another shard process plans it
        self.work.unblock(guild_id)
        settings = await self.store.guilds.get(guild_id)
        if settings is not None and schedule.posts(settings):
            self._settings[guild_id] = settings
        else:
            self._settings.pop(guild_id, None)
        await self.dispatcher.replan(NAME, guild_id)

    def reveal_at(self, guild_id: int, when: datetime) -> None:
        """A post made outside the schedule (/drill post-now) reveals at ``when``."""
        if self.owns(guild_id):
            self.dispatcher.at(NAME, guild_id, when)

    @property
    def running(self) -> frozenset[int]:
        """The guilds with a run in progress."""
        return frozenset(k for k in self.dispatcher.running(NAME) if isinstance(k, int))

    def next_run(self, guild_id: int) -> datetime | None:
        """The guild's next scheduled post; None if it does not post."""
        settings = self._settings.get(guild_id)
        return schedule.next_post_after(settings, self.dispatcher.clock.now()) if settings else None


def _again(due: datetime, now: datetime, after_run: bool) -> datetime:
    """When to look at something due at ``due``: then, or a minute on if a run that began at
    ``now`` was due to do it and it is still not done (it failed)."""
    return max(due, now + RETRY) if after_run and due <= now else due


def _earliest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else min(a, b)
