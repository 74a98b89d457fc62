"""The interviewer in a pair mock sees what a strong-hire, a hire and a no-hire answer sound like,
after the key points, and the model answer; a card too big for one message is split, not cut."""

from __future__ import annotations

import dataclasses

import pytest

from bot.bank import Bank, Levels, Source
from tests.conftest import BotFactory, World
from tests.mock.helpers import make_bank
from tests.mock.test_mock_pairs import invite, pair_of
from tests.quiz.helpers import EPHEMERAL, press

LEVELS = Levels(
    strong="Names the trade-off they made and what it cost the team, with a number.",
    hire="Tells a clear story with their own part in it and the outcome.",
    no_hire="Describes what the team did and never says what they did themselves.",
)
ANSWER = "I'd start with the situation in one sentence: our nightly retrain had failed twice..."


def embed_size(embed: dict) -> int:
    return (
        len(embed.get("title", ""))
        + len(embed.get("description", "") or "")
        + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
        + len((embed.get("footer") or {}).get("text", ""))
    )


def biggest(bank: Bank) -> None:
    """behavioural-1 with every field at the loader's limits."""
    q = bank.questions["behavioural-1"]
    bank.questions[q.id] = dataclasses.replace(
        q,
        prompt="p" * 1000,
        testing="t" * 600,
        key_points=tuple(f"{i}" + "k" * 199 for i in range(7)),
        follow_ups=tuple(f"{i}" + "f" * 199 for i in range(5)),
        red_flags=tuple(f"{i}" + "r" * 199 for i in range(4)),
        levels=Levels("s" * 300, "h" * 300, "n" * 300),
        model_answer="m" * 2000,
    )


@pytest.fixture
def bank(request: pytest.FixtureRequest) -> Bank:
    bank = make_bank()
    if getattr(request, "param", "") == "biggest":
        biggest(bank)
    else:
        q = bank.questions["behavioural-1"]
        source = Source("https://example.org/story", "A claim about a tool", "2026-11")
        bank.questions[q.id] = dataclasses.replace(
            q, levels=LEVELS, model_answer=ANSWER, sources=(source,)
        )
    return bank


async def test_the_interviewer_sees_the_levels_after_the_key_points_and_the_model_answer(
    world: World, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        message = (await invite(world, ana, ben)).message
        accept = await press(ben, message, f"drill:mock:pair:accept:{pair_of(message)}")
        notes = await accept.wait_followup()
        assert notes.flags & EPHEMERAL
        names = [f["name"] for f in notes.embeds[0]["fields"]]
        assert names[:5] == [
            "What it tests",
            "Key points",
            "Strong hire: goes beyond the key points",
            "Hire: a solid answer",
            "No hire: sounds like",
        ]
        values = {f["name"]: f["value"] for f in notes.embeds[0]["fields"]}
        assert values["Strong hire: goes beyond the key points"] == LEVELS.strong
        assert values["No hire: sounds like"] == LEVELS.no_hire
        assert values["Sources for its version-sensitive facts"] == (
            "• [A claim about a tool](https://example.org/story) · checked 2026-11"
        )
        assert notes.embeds[1]["title"] == "Model answer"
        assert notes.embeds[1]["description"] == ANSWER
        assert sum(embed_size(e) for e in notes.embeds) <= 6000
    assert world.emu.errors == []


@pytest.mark.parametrize("bank", ["biggest"], indirect=True)
async def test_a_card_at_every_limit_is_split_into_messages_that_fit(
    world: World, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        message = (await invite(world, ana, ben)).message
        accept = await press(ben, message, f"drill:mock:pair:accept:{pair_of(message)}")
        first = await accept.wait_followup()
        second = await accept.wait_followup()
    parts = [first, second]
    for part in parts:
        assert part.flags & EPHEMERAL
        assert sum(embed_size(e) for e in part.embeds) <= 6000
    text = "\n".join(
        str(e.get("description", "")) + "".join(f["value"] for f in e.get("fields", []))
        for part in parts
        for e in part.embeds
    )
    for piece in ("p" * 1000, "t" * 600, "6" + "k" * 199, "3" + "r" * 199, "n" * 300, "m" * 2000):
        assert piece in text
    assert world.emu.errors == []
