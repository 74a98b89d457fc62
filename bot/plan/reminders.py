"""Study-plan reminders: one alarm on the project's clock, set to the next reminder due.

The same wake-up mechanism as the daily dispatcher (bot/clock.py: an APScheduler date job on
the real clock, a bell rung by ``FakeClock`` in tests): no polling, no sleeping task. A plan
change re-arms the alarm. Sending goes through a port plugged in by the Discord glue, so this
stays free of Discord. A refused DM is never retried: closed DMs switch the member's reminders
off at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from bot.clock import Alarm, Clock
from bot.plan.service import PlanService, Today

log = logging.getLogger(__name__)
Send = Callable[[int, Today], Awaitable[bool]]  # False: the member cannot be reached by DM


class Reminders:
    """Built by the composition root; the Discord glue plugs in how to send a DM."""

    def __init__(self, plans: PlanService, clock: Clock) -> None:
        self.plans, self.clock = plans, clock
        self._send: Send | None = None
        self._alarm: Alarm | None = None
        self._since: datetime = clock.now()
        self._lock = asyncio.Lock()  # one delivery at a time: ``_since`` moves forward once
        self._tasks: set[asyncio.Task[Any]] = set()
        self.sent = 0

    def plug(self, send: Send) -> None:
        self._send = send

    @property
    def running(self) -> bool:
        return self._alarm is not None and self._alarm.running

    def start(self) -> None:
        """Inside the running loop. Without a sender plugged in (no plan extension) it idles."""
        if self._send is None or self._alarm is not None:
            return
        self._since = self.clock.now()
        self._alarm = self.clock.alarm(lambda: self._spawn(self._deliver()))
        self._alarm.start()
        self.wake()

    def wake(self) -> None:
        """A plan started or stopped: set the alarm to the next reminder again."""
        if self._alarm is not None:
            self._spawn(self._arm())

    async def stop(self) -> None:
        if self._alarm is not None:
            self._alarm.shutdown()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work, name="plan-reminders")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _arm(self) -> None:
        async with self._lock:
            if self._alarm is not None:
                self._alarm.set(await self.plans.next_reminder(self._since))

    async def _deliver(self) -> None:
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
            if self._alarm is not None:
                self._alarm.set(await self.plans.next_reminder(now))
