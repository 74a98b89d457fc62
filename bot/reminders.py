"""The study-plan reminder loop: one task that sleeps until the next reminder is due.

Like RoboDanny's timer dispatch: no polling; woken early when a plan changes or the clock jumps
(the test clock). Sending goes through a port, so this stays free of Discord. A failed send is
not retried: closed DMs switch the member's reminders off at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.clock import Clock
from bot.planner import PlanService, Today

log = logging.getLogger(__name__)
Send = Callable[[int, Today], Awaitable[bool]]  # False: the member cannot be reached by DM
MAX_SLEEP = 3600.0  # wake at least hourly, so a real clock's drift or a suspend is caught


class Reminders:
    """Built by the composition root; the Discord glue plugs in how to send a DM."""

    def __init__(self, plans: PlanService, clock: Clock) -> None:
        self.plans, self.clock = plans, clock
        self._send: Send | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[Any] | None = None
        self.sent = 0

    def plug(self, send: Send) -> None:
        self._send = send

    def start(self) -> None:
        """Inside the running loop. Without a sender plugged in (no plan extension) it idles."""
        if self._send is None or self._task is not None:
            return
        self.clock.subscribe(lambda _now: self.wake())
        self._task = asyncio.create_task(self._run(), name="plan-reminders")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        since = self.clock.now()
        while True:
            nxt = await self.plans.next_reminder(since)
            delay = MAX_SLEEP if nxt is None else (nxt - self.clock.now()).total_seconds()
            if delay > 0:
                # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that lands
                # as the event is set, and stop() would then wait forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(delay, MAX_SLEEP)):
                        await self._wake.wait()
            self._wake.clear()
            now = self.clock.now()
            try:
                await self._deliver(since, now)
            except Exception:
                log.exception("plan reminders failed; next attempt at the next reminder")
            since = now

    async def _deliver(self, since: Any, now: Any) -> None:
        for user_id, today in await self.plans.due_reminders(since, now):
            assert self._send is not None
            if await self._send(user_id, today):
                self.sent += 1
            else:
                log.info("DMs closed for member %s: plan reminders switched off", user_id)
                await self.plans.dms_closed(user_id)
