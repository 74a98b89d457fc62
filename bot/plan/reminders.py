"""Study-plan reminders as timed work for the dispatcher (bot/jobs.py): one key, every member.

The dispatcher's one alarm wakes it at the next reminder due; a plan change asks again
(``changed``). Sending goes through a port plugged in by the Discord glue, so this stays free
of Discord. A refused DM is never retried: closed DMs switch the member's reminders off at once.
Registered only in the process that holds shard 0 (reminders belong to no guild).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable
from datetime import datetime

from bot.clock import Clock
from bot.jobs import Dispatcher
from bot.plan.service import PlanService, Today

log = logging.getLogger(__name__)
Send = Callable[[int, Today], Awaitable[bool]]  # False: the member cannot be reached by DM
NAME = "plan-reminders"
EVERYONE = "everyone"  # the job's one key


class Reminders:
    """Built by the composition root; the Discord glue plugs in how to send a DM."""

    name = NAME

    def __init__(self, plans: PlanService, clock: Clock, dispatcher: Dispatcher) -> None:
        self.plans, self.clock, self.dispatcher = plans, clock, dispatcher
        self._send: Send | None = None
        self._since: datetime = clock.now()
        self._lock = asyncio.Lock()  # one delivery at a time: ``_since`` moves forward once
        self.sent = 0

    def plug(self, send: Send) -> None:
        self._send = send

    def changed(self) -> None:
        """A plan started or stopped: ask again when the next reminder is due."""
        if NAME in self.dispatcher.jobs:
            self.dispatcher.soon(NAME, EVERYONE)

    # -- the Job protocol ---------------------------------------------------------------------
    async def planned(self, now: datetime) -> Iterable[tuple[Hashable, datetime]]:
        """Without a sender plugged in (no plan extension) it idles."""
        if self._send is None:
            return []
        self._since = now
        when = await self.plans.next_reminder(now)
        return [] if when is None else [(EVERYONE, when)]

    async def next_due(self, key: Hashable, now: datetime, *, after_run: bool) -> datetime | None:
        if self._send is None:
            return None
        return await self.plans.next_reminder(self._since)

    async def run(self, key: Hashable) -> None:
        async with self._lock:
            now = self.clock.now()
            try:
                for user_id, today in await self.plans.due_reminders(self._since, now):
                    assert self._send is not None
                    if await self._send(user_id, today):
                        self.sent += 1
                    else:
                        log.info("DMs closed for member %s: plan reminders switched off", user_id)
                        await self.plans.dms_closed(user_id)
            except Exception:
                log.exception("plan reminders failed; they resume at the next reminder")
            self._since = now
