"""The one source of time for the core, the scheduler and the tests.

Only ``SystemClock`` reads the wall clock; everything else takes a ``Clock``.
``FakeClock`` lets tests move time without sleeping: listeners are told on every move so the
scheduler can re-check what is due.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...

    def subscribe(self, listener: Callable[[datetime], None]) -> None:
        """Call ``listener(now)`` whenever time jumps (no-op for the real clock)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def subscribe(self, listener: Callable[[datetime], None]) -> None:
        # Real time flows by itself; nobody needs to be told.
        return None


class FakeClock:
    """A clock that only moves when told to. Starts at ``start`` (aware)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._listeners: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        return self._now

    def subscribe(self, listener: Callable[[datetime], None]) -> None:
        self._listeners.append(listener)

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = when.astimezone(UTC)
        for listener in list(self._listeners):
            listener(self._now)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.set(self._now + (delta if delta is not None else timedelta(**kwargs)))
        return self._now
