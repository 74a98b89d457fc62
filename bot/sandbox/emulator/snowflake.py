"""Time-ordered snowflake ids, as Discord makes them (ms since 2015 << 22 | counter)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1420070400000


class SnowflakeFactory:
    """Hands out strictly increasing snowflakes, even within one millisecond.

    ``now`` is where Discord's time comes from (default: the wall clock). Tests pass the bot's
    FakeClock so that message times and the bot's deadlines are on one timeline.
    """

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._last = 0
        self._lock = threading.Lock()
        self.now = now

    def next(self) -> int:
        seconds = self.now().timestamp() if self.now is not None else time.time()
        now_ms = int(seconds * 1000) - DISCORD_EPOCH_MS
        with self._lock:
            candidate = now_ms << 22
            if candidate <= self._last:
                candidate = self._last + 1
            self._last = candidate
            return candidate


def snowflake_time(snowflake: int) -> datetime:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def now_iso() -> str:
    return datetime.now(UTC).isoformat()
