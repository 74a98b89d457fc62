"""The daily reveal shows what a strong-hire, a hire and a no-hire answer sound like, after the
key points; the model answer is one press away after the reveal; a reveal too big for one
message is split into messages that each fit, never cut (issue 26)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.bank import (
    Bank,
    Levels,
    Question,
    Solution,
    Source,
    default_content_dir,
    load_bank,
)
from bot.errors import DrillError
from bot.sandbox.emulator.layouts import IS_COMPONENTS_V2, count, texts
from bot.storage import Store
from tests.conftest import BotFactory, World
from tests.daily.helpers import configure_world, stored
from tests.quiz.helpers import EPHEMERAL, button_ids

LEVELS = Levels(
    strong="Sets the index version in the eval gate and prices a re-embed of the corpus.",
    hire="Versions the index and runs a fixed query set before switching.",
    no_hire="Re-indexes in place and checks a few queries by eye.",
)
SOURCE = Source("https://example.org/release-notes", "Index format v2 from 1.4", "2026-12")
ANSWER = "I'd treat the index as a release: versioned, evaluated on a fixed query set, canaried."
STRONG, HIRE, NO_HIRE = (
    "Strong hire: goes beyond the key points",
    "Hire: a solid answer",
    "No hire: sounds like",
)


def only(question: Question) -> Bank:
    """The shipped topics with one question: the one the day must pick."""
    shipped = load_bank([default_content_dir()])
    bank = Bank(topics=dict(shipped.topics))
    bank._keys.update(shipped._keys)
    bank.questions[question.id] = question
    return bank


def graded(**changes: Any) -> Question:
    base = load_bank([default_content_dir()]).questions["llmops-001"]
    fields = {"levels": LEVELS, "model_answer": ANSWER, "sources": (SOURCE,), **changes}
    return dataclasses.replace(base, **fields)


def biggest() -> Question:
    return graded(
        prompt="p" * 1000,
        testing="t" * 600,
        key_points=tuple(f"{i}" + "k" * 199 for i in range(7)),
        follow_ups=tuple(f"{i}" + "f" * 199 for i in range(5)),
        red_flags=tuple(f"{i}" + "r" * 199 for i in range(4)),
        levels=Levels("s" * 300, "h" * 300, "n" * 300),
        model_answer="m" * 2000,
        sources=tuple(
            Source(f"https://example.org/{i}/" + "u" * 470, f"{i}" + "c" * 199, "2026-12")
            for i in range(10)
        ),
        solution=Solution(
            "python", "\n".join(f"x_{i} = {i}" for i in range(400))[:3000], "w" * 600
        ),
    )


@pytest.fixture
def bank(request: pytest.FixtureRequest) -> Bank:
    return only(biggest() if getattr(request, "param", "") == "biggest" else graded())


async def reveal(world: World, store: Store, start_bot: BotFactory) -> tuple[Any, list[Any]]:
    await configure_world(store, world)
    async with start_bot() as bot:
        await bot.daily.post_now(world.guild.id)
        post = await stored(store, world.guild.id, "2026-03-02")
        assert post.thread_id is not None
        await world["ana"].send(post.thread_id, "I would version the index and gate on evals.")
        await bot.daily.reveal_now(world.guild.id)
    emu = world.emu
    sent = [m for m in emu.messages(post.thread_id) if m.author.id == emu.bot_user_id]
    return post, sent


async def test_the_reveal_shows_the_levels_after_the_key_points(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    post, sent = await reveal(world, store, start_bot)
    (message,) = sent  # fits one message, as before
    shown = texts(message.components)
    points = next(i for i, t in enumerate(shown) if t.startswith("### Key points"))
    levels = shown[points + 1]
    assert levels.startswith("### What answers sound like")
    assert levels.index(STRONG) < levels.index(HIRE) < levels.index(NO_HIRE)
    for text in (LEVELS.strong, LEVELS.hire, LEVELS.no_hire):
        assert text in levels
    assert (
        "• [Index format v2 from 1.4](https://example.org/release-notes) · checked 2026-12"
        in "\n".join(shown)
    )
    assert shown[-1].endswith(f"1 member answered · {post.question_id}")
    assert button_ids(message)[-1] == f"drill:daily:model:{post.id}"


async def test_the_model_answer_is_one_private_press_away_after_the_reveal(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    post, sent = await reveal(world, store, start_bot)
    async with start_bot():  # the button outlives a restart, like the grade buttons
        press = await world["ben"].click(
            post.thread_id, sent[-1].id, f"drill:daily:model:{post.id}"
        )
        response = await press.wait_response()
    assert response["type"] == 4 and response["data"]["flags"] & EPHEMERAL
    (embed,) = response["data"]["embeds"]
    assert embed["title"] == "Model answer" and embed["description"] == ANSWER
    assert world.emu.errors == []


@pytest.mark.parametrize("bank", ["biggest"], indirect=True)
async def test_a_reveal_at_every_limit_is_split_into_messages_that_each_fit(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    post, sent = await reveal(world, store, start_bot)
    assert len(sent) >= 2
    for message in sent:  # each within Discord's limits for a V2 message
        assert message.flags & IS_COMPONENTS_V2 and not message.content and not message.embeds
        assert count(message.components) <= 40
        assert sum(len(t) for t in texts(message.components)) <= 4000
    # Everything is there, in order: notes and levels, then the worked solution, which at
    # 3,000 characters is an attached file (whole) beside its notes.
    text = "\n".join(t for m in sent for t in texts(m.components))
    for piece in ("t" * 600, "6" + "k" * 199, "s" * 300, "n" * 300, "3" + "r" * 199,
                  "4" + "f" * 199, "9" + "c" * 199, "w" * 600):  # fmt: skip
        assert piece in text, piece[:12]
    assert text.index("n" * 300) < text.index("### Worked solution") < text.index("w" * 600)
    files = [a for m in sent for a in m.attachments]
    assert [a["filename"] for a in files] == [f"solution-{post.question_id}.py"]
    _, code, _ = world.emu.world.blobs[int(files[0]["id"])]
    assert b"x_250 = 250" in code and len(code) == 3000
    # The reveal's marker is on the last part (a run that dies half-way sends it all again);
    # the buttons are under it.
    assert texts(sent[-1].components)[-1].endswith(post.question_id)
    assert "continued below" in texts(sent[0].components)[-1]
    assert button_ids(sent[0]) == [] and button_ids(sent[-1])
    assert texts(sent[0].components)[0].startswith("## What they're testing")
    assert world.emu.errors == []


async def test_the_model_answer_is_refused_before_the_reveal(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    async with start_bot() as bot:
        await bot.daily.post_now(world.guild.id)
        post = await stored(store, world.guild.id, "2026-03-02")
        with pytest.raises(DrillError, match="after the reveal"):
            await bot.app.quiz.daily_model_answer(post.id)


@pytest.mark.parametrize("bank", ["biggest"], indirect=True)
async def test_without_attach_files_a_long_solution_is_inline_over_more_messages(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    world.guild.deny_bot(world.channel.id, "ATTACH_FILES")
    post, sent = await reveal(world, store, start_bot)
    assert len(sent) >= 2 and all(m.attachments == [] for m in sent)
    for message in sent:
        assert count(message.components) <= 40
        assert sum(len(t) for t in texts(message.components)) <= 4000
    text = "\n".join(t for m in sent for t in texts(m.components))
    # Every line of the 3,000 characters of code is there, in closed fences, then its notes.
    code = "\n".join(f"x_{i} = {i}" for i in range(400))[:3000]
    for line in code.splitlines():
        assert f"\n{line}\n" in text, line
    assert text.count("```python\n") >= 2
    assert text.count("```") == 2 * text.count("```python\n")  # each fence closed
    assert text.index("x_0 = 0") < text.index("w" * 600)
    assert texts(sent[-1].components)[-1].endswith(post.question_id)
    assert world.emu.errors == []
