"""The runner's stop path and the connect backoff, without a process or a network."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.ops import runner
from bot.ops.preflight import Exit, PreflightError, wait_reachable


class App:
    def __init__(self) -> None:
        self.closed = 0

    async def close(self) -> None:
        self.closed += 1


class HangingBot:
    """A bot whose close never finishes (a handler stuck on a dead route)."""

    def __init__(self) -> None:
        self.app = App()

    async def close(self) -> None:
        await asyncio.Event().wait()


async def test_a_stop_that_overruns_still_closes_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner, "STOP_SECONDS", 0.2)
    bot = HangingBot()
    started = time.monotonic()
    await runner._stop(bot, "SIGTERM")
    assert time.monotonic() - started < 2
    assert bot.app.closed == 1


async def test_backoff_doubles_up_to_the_cap_then_gives_up_with_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def refused() -> None:
        raise ConnectionRefusedError(111, "Connect call failed")

    with pytest.raises(PreflightError) as caught:
        await wait_reachable(
            refused, where="http://x/api", attempts=9, base_delay=1, max_delay=60, sleep=sleep
        )
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    assert caught.value.code == Exit.UNREACHABLE
    assert str(caught.value).startswith("Discord unreachable at http://x/api after 9 attempt(s)")
    assert len([r for r in caplog.records if "attempt" in r.getMessage()]) == 8


async def test_backoff_stops_at_the_first_success() -> None:
    waits: list[float] = []
    calls = iter([ConnectionResetError(), TimeoutError(), None])

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def flaky() -> None:
        failure = next(calls)
        if failure is not None:
            raise failure

    await wait_reachable(flaky, where="x", attempts=5, base_delay=0.5, sleep=sleep)
    assert waits == [0.5, 1.0]
