"""Steps the blind-answer stories share: the day's post, answering through the button and the
modal, and reading what the reveal published."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.emulator.state import Message
from bot.storage import DailyPost, Store
from tests.conftest import World, eventually
from tests.daily.helpers import daily_posts, stored
from tests.quiz.helpers import press, refusal

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
TODAY = "2026-03-02"
REVEAL = NINE + timedelta(hours=23)  # the default reveal delay
HEADER = re.compile(r"\*\*Answer (\d+)/(\d+)\*\* · <@(\d+)>(?: · part (\d+)/(\d+))?")

ANSWERS = {
    "ana": "Gate the release on offline metrics against the current model, then canary 5%.",
    "ben": "Shadow traffic first: compare predictions without serving them, then ramp up.",
    "cy": "Version data, code and model together so a rollback restores all three at once.",
    "dee": "Alert on input drift per feature and on the business metric, not only latency.",
}
BEN_EDIT = "Edited: shadow traffic, then a canary with automatic rollback on the SLO burn rate."


async def blind_post(bot: Any, store: Store, world: World) -> tuple[DailyPost, Message]:
    await bot.jobs.idle()
    await idle(bot)  # the dispatcher's own run is over before the test moves the clock
    post = await stored(store, world.guild.id, TODAY)
    [message] = daily_posts(world.emu, world.channel.id)
    return post, message


async def answer(member: Any, message: Message, post_id: int, text: str) -> str:
    """Press Answer, fill the modal, submit: the ephemeral reply's text."""
    opened = await press(member, message, f"drill:blind:answer:{post_id}")
    assert opened.modal is not None, await refusal(opened)
    submitted = await member.submit_modal(opened, {"answer": text})
    return await refusal(submitted)


def modal_default(opened: Any) -> str | None:
    return next(
        (
            c.get("value")
            for row in opened.modal["components"]
            for c in [row.get("component"), *row.get("components", [])]
            if isinstance(c, dict) and c.get("custom_id") == "answer"
        ),
        None,
    )


def published(world: World, thread_id: int) -> list[Message]:
    """The bot's answer messages in the thread, in order."""
    return [
        m
        for m in world.emu.messages(thread_id)
        if m.author.id == world.emu.bot_user_id and HEADER.match(m.content)
    ]


def reveals(world: World, thread_id: int) -> list[Message]:
    return [m for m in world.emu.messages(thread_id) if "What they're testing" in m.text]


async def revealed(store: Store, post: DailyPost) -> DailyPost:
    async def done() -> DailyPost | None:
        fresh = await store.daily.by_id(post.id)
        return fresh if fresh and fresh.state == "revealed" else None

    result: DailyPost = await eventually(done, timeout=15)
    return result


async def idle(bot: Any) -> None:
    await eventually(lambda: not bot.app.daily_job.running)


async def posted(store: Store, post: DailyPost) -> DailyPost | None:
    fresh = await store.daily.by_id(post.id)
    return fresh if fresh and fresh.state != "pending" else None
