"""The fault test: 5xx and 429s on a share of Discord's answers and one gateway drop (no
RESUME) during a day. The post, the answers and the reveal each complete exactly once, and
/metrics counts the errors and 429s by route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.boards.scoring import ANSWER_POINTS, FIRST_BONUS
from bot.clock import FakeClock
from bot.ops import metrics
from bot.storage import Store
from tests.conftest import MEMBERS, BotFactory, World, eventually
from tests.daily.helpers import ANSWER, configure_world, daily_posts, post_calls

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
TODAY = "2026-03-02"
PER_MEMBER = 4
MESSAGES = "POST /channels/{id}/messages"
HISTORY = "GET /channels/{id}/messages"
THREADS = "POST /channels/{id}/messages/{id}/threads"

pytestmark = pytest.mark.timeout(120)


def rate_limited(route: str) -> float:
    return metrics.value("drillbot_discord_rate_limited_total", {"route": route})


def errors(route: str, status: int) -> float:
    return metrics.value(
        "drillbot_discord_http_errors_total", {"route": route, "status": str(status)}
    )


async def until_state(
    bot: object, store: Store, world: World, clock: FakeClock, state: str
) -> None:
    """Run the schedule (a tick every 5 minutes of the clock) until today's post is in
    ``state``; the service retries failed calls with its own backoff."""

    async def reached() -> bool:
        post = await store.daily.get(world.guild.id, TODAY)
        return post is not None and post.state == state

    for _ in range(40):
        await bot.jobs.idle()  # type: ignore[attr-defined]
        await bot.daily.idle()  # type: ignore[attr-defined]
        if await reached():
            return
        clock.advance(minutes=5)
    raise AssertionError(f"today's post never became {state!r}")


async def test_faults_and_a_gateway_drop_leave_one_post_every_answer_and_one_reveal(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    clock.set(NINE)
    before = (
        rate_limited(MESSAGES) + rate_limited(HISTORY),
        errors(MESSAGES, 500),
        rate_limited(THREADS),
    )
    async with start_bot(http_trace=metrics.http_trace()) as bot:
        # The post: a 500 (retried by discord.py), 429s on messages and on the thread.
        emu.fail_next(f"POST /channels/{world.channel.id}/messages", status=500)
        emu.force_429("/messages", retry_after=0.05, times=2)
        emu.force_429("/threads", retry_after=0.05)
        await until_state(bot, store, world, clock, "posted")
        post = await store.daily.get(world.guild.id, TODAY)
        assert post is not None and post.thread_id is not None

        # Answers, with a gateway drop half-way: no RESUME, the events in between are gone
        # and only the thread's history has them.
        sent = []
        for round_ in range(PER_MEMBER):
            if round_ == PER_MEMBER // 2:
                identifies = len(emu.gateway.identifies)
                await emu.drop_gateway(resume_ok=False)
            for name in MEMBERS:
                sent.append(await world[name].send(post.thread_id, f"{ANSWER} ({name}, {round_})"))
        await emu.wait_until(lambda: len(emu.gateway.identifies) > identifies, 15, "no re-identify")
        await emu.wait_ready()

        async def all_stored() -> bool:
            return len(await store.answers.for_post(post.id)) == len(sent)

        await eventually(all_stored, timeout=15)

        # The reveal: a 503 and 429s on the thread's messages, a 502 on closing the thread.
        emu.fail_next(f"POST /channels/{post.thread_id}/messages", status=503)
        emu.force_429(f"/channels/{post.thread_id}/messages", retry_after=0.05, times=2)
        emu.fail_next(f"PATCH /channels/{post.thread_id}", status=502)
        clock.set(NINE + timedelta(hours=23))
        await until_state(bot, store, world, clock, "revealed")

    assert len(daily_posts(emu, world.channel.id)) == 1
    assert len(post_calls(emu, world.channel.id, status=200)) == 1
    stored = await store.answers.for_post(post.id)
    assert sorted(a.message_id for a in stored) == sorted(m.id for m in sent)
    reveals = [m for m in emu.messages(post.thread_id) if "What they're testing" in m.text]
    assert len(reveals) == 1
    top = await store.scores.top(world.guild.id)
    assert sum(s.points for s in top) == len(MEMBERS) * ANSWER_POINTS + FIRST_BONUS
    # /metrics saw the faults, by route, with no id in the label.
    # Four forced 429s on messages routes (sending or reading history, whichever came first).
    assert rate_limited(MESSAGES) + rate_limited(HISTORY) == before[0] + 4
    assert rate_limited(THREADS) == before[2] + 1
    assert errors(THREADS, 429) >= 1
    assert errors(MESSAGES, 500) == before[1] + 1
    assert errors("PATCH /channels/{id}", 502) >= 1
    assert errors(MESSAGES, 503) >= 1
