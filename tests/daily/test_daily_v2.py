"""The daily post and the reveal laid out with components (Components V2), through the real
client and the emulator, which refuses any layout Discord would; and the Answer button on a post
made before the layout changed (an embed and a row of buttons) still answered."""

from __future__ import annotations

from typing import Any

from bot.bank import Bank
from bot.clock import FakeClock
from bot.sandbox.emulator.layouts import IS_COMPONENTS_V2, buttons, count, texts, tree
from bot.sandbox.emulator.state import Message
from bot.storage import Store
from cogs.cards import topic_colour
from tests.conftest import BotFactory, World, eventually
from tests.daily.blind_helpers import NINE, REVEAL, idle, revealed, reveals
from tests.daily.helpers import configure_world, daily_posts, stored
from tests.quiz.helpers import press, refusal

TODAY = "2026-03-02"


def v2_limits_hold(message: Message) -> None:
    assert message.flags & IS_COMPONENTS_V2
    assert message.content == "" and message.embeds == []
    assert count(message.components) <= 40
    assert sum(len(t) for t in texts(message.components)) <= 4000


async def test_a_v2_daily_post_and_its_reveal(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock, bank: Bank
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        await idle(bot)
        post = await stored(store, world.guild.id, TODAY)
        [message] = daily_posts(world.emu, world.channel.id)
        v2_limits_hold(message)
        question = bank.questions[post.question_id]
        container, marker = message.components
        assert container["type"] == 17 and container["accent_color"] == topic_colour(post.topic)
        head, separator, section, _how = container["components"]
        assert head["content"].startswith("## Question of the day\n")
        assert question.difficulty.title() in head["content"]
        assert separator["type"] == 14
        # The prompt with the Answer button beside it.
        assert section["type"] == 9 and section["components"][0]["content"] == question.prompt
        assert section["accessory"]["custom_id"] == f"drill:blind:answer:{post.id}"
        assert marker["content"] == f"-# Daily question · {TODAY} · {post.question_id}"
        # The button in the section answers: the modal, then the answer in the thread.
        opened = await press(world["ana"], message, f"drill:blind:answer:{post.id}")
        assert opened.modal is not None, await refusal(opened)
        text = "Gate on offline evals against production, then a 5% canary with rollback."
        done = await world["ana"].submit_modal(opened, {"answer": text})
        assert (await refusal(done)).startswith("Posted in")
        clock.set(REVEAL)
        await bot.jobs.idle()
        finished = await revealed(store, post)
    [notes] = reveals(world, finished.thread_id or 0)
    v2_limits_hold(notes)
    shown = texts(notes.components)
    assert shown[0] == f"## What they're testing\n{question.testing}\n-# answers are closed · " + (
        "1 member answered"
    )
    assert shown[1].startswith("### Key points of a strong answer\n• ")
    assert all(point in shown[1] for point in question.key_points)
    if question.red_flags:
        assert any(t.startswith("### Red flags") for t in shown)
    assert shown[-1] == f"-# Reveal · {TODAY} · 1 member answered · {post.question_id}"
    labels = [b.get("label") for b in buttons(notes.components)]
    assert labels[:4] == ["Again", "Hard", "Good", "Easy"] and "Check key points" in labels
    assert world.emu.errors == []
    # As the emulator's tree reads it (the report's "screenshot in words").
    assert [line.split(" ")[0] for line in tree(message.components)] == [
        "Container", "", "", "", "", "", "", "", "TextDisplay",
    ]  # fmt: skip
    assert [line.strip().split(" ")[0] for line in tree(message.components)][1:8] == [
        "TextDisplay", "Separator", "Section", "TextDisplay", "accessory:", "Button", "TextDisplay",
    ]  # fmt: skip


def as_before_v2(message: Message, post_id: int, marker: str) -> None:
    """What the bot posted before the V2 layout: an embed with the marker in its footer and
    the Answer button in an action row, no flag (the shape of cogs/render.daily_embed and
    blind.answer_view as they were)."""
    message.flags = 0
    message.embeds = [
        {
            "type": "rich",
            "title": "Question of the day",
            "description": "An old prompt",
            "color": 0x2ECC71,
            "footer": {"text": marker},
        }
    ]
    message.components = [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": 1,
                    "label": "Answer",
                    "custom_id": f"drill:blind:answer:{post_id}",
                }
            ],
        }
    ]


async def test_the_answer_button_on_a_post_made_before_v2_still_answers(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        await idle(bot)
    post = await stored(store, world.guild.id, TODAY)
    [message] = daily_posts(world.emu, world.channel.id)
    as_before_v2(message, post.id, f"Daily question · {TODAY} · {post.question_id}")
    assert not message.flags & IS_COMPONENTS_V2
    # A new version starts; the old post's button is pressed.
    async with start_bot() as bot:
        opened = await press(world["ben"], message, f"drill:blind:answer:{post.id}")
        assert opened.modal is not None, await refusal(opened)
        text = "Shadow traffic first, compare predictions, then ramp with an SLO gate."
        done = await world["ben"].submit_modal(opened, {"answer": text})
        assert (await refusal(done)).startswith("Posted in")

        async def stored_answers() -> list[Any] | None:
            found = await store.answers.for_post(post.id)
            return found or None

        [answer] = await eventually(stored_answers)
        assert answer.user_id == world["ben"].id and answer.content == text
        clock.set(REVEAL)
        await bot.jobs.idle()
        finished = await revealed(store, post)
    # The old post is left as it was (never edited into a V2 message); the reveal is V2.
    assert message.embeds and not message.flags & IS_COMPONENTS_V2
    assert message.edited_timestamp is None
    [notes] = reveals(world, finished.thread_id or 0)
    v2_limits_hold(notes)
    assert "1 member answered" in notes.text
    assert world.emu.errors == []
