"""After a /quiz reveal, **Levels & model answer** shows privately what a strong-hire, a hire and
a no-hire answer sound like and the model answer; not before the notes are out, and not on a
question that has neither (issue 26)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.bank import Bank, Levels, Source, default_content_dir, load_bank
from bot.errors import DrillError
from tests.conftest import BotFactory, World
from tests.quiz.helpers import EPHEMERAL, ask, button_ids, footer_session, press, refusal

LEVELS = Levels(
    strong="Prices the re-embed and puts the index version in the eval gate.",
    hire="Versions the index and checks a fixed query set before switching.",
    no_hire="Re-indexes in place and eyeballs a few queries.",
)
SOURCE = Source("https://example.org/notes_(v2)", "The [index] format changed in v2", "2026-12")
ANSWER = "I'd treat the index as a release: versioned, evaluated on a fixed query set, canaried."


@pytest.fixture
def bank(request: pytest.FixtureRequest) -> Bank:
    """The shipped topics; llmops holds one question, with levels and a model answer unless
    the test asks for a bare one."""
    shipped = load_bank([default_content_dir()])
    bank = Bank(topics=dict(shipped.topics))
    bank._keys.update(shipped._keys)
    base = shipped.questions["llmops-001"]
    bare = getattr(request, "param", "") == "bare"
    q = dataclasses.replace(
        base,
        levels=None if bare else LEVELS,
        model_answer="" if bare else ANSWER,
        sources=() if bare else (SOURCE,),
    )
    bank.questions[q.id] = q
    return bank


async def test_levels_and_model_answer_are_one_private_press_away(
    world: World, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot() as bot:
        question = await ask(ana, world.channel.id, "quiz", topic="llmops")
        sid = footer_session(question)
        assert f"drill:quiz:levels:{sid}" not in button_ids(question)
        with pytest.raises(DrillError, match="Answer first"):  # Discord offers no button yet
            await bot.app.quiz.graded_answers(sid, ana.id)
        await press(ana, question, f"drill:quiz:notes:{sid}")
        notes = world.emu.message(question.channel_id, question.id)
        assert notes is not None and button_ids(notes)[-1] == f"drill:quiz:levels:{sid}"
        shown = await press(ana, notes, f"drill:quiz:levels:{sid}")
        data = shown.response["data"]
        assert data["flags"] & EPHEMERAL
        levels, answer = data["embeds"]
        assert [f["value"] for f in levels["fields"]] == [
            LEVELS.strong, LEVELS.hire, LEVELS.no_hire,
            "• [The (index) format changed in v2](https://example.org/notes_%28v2%29)"
            " · checked 2026-12",
        ]  # fmt: skip
        assert answer["title"] == "Model answer" and answer["description"] == ANSWER
        stranger = await ben.click(notes.channel_id, notes.id, f"drill:quiz:levels:{sid}")
        assert "belongs to someone else" in await refusal(stranger)
        graded = await press(ana, notes, f"drill:grade:{sid}:3")
        assert graded.response["type"] == 7
        final = world.emu.message(question.channel_id, question.id)
        assert final is not None and f"drill:quiz:levels:{sid}" in button_ids(final)
    assert world.emu.errors == []


@pytest.mark.parametrize("bank", ["bare"], indirect=True)
async def test_a_question_without_levels_or_model_answer_has_no_such_button(
    world: World, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        question = await ask(ana, world.channel.id, "quiz", topic="llmops")
        sid = footer_session(question)
        await press(ana, question, f"drill:quiz:notes:{sid}")
        notes = world.emu.message(question.channel_id, question.id)
        assert notes is not None
        assert not any(c.startswith("drill:quiz:levels:") for c in button_ids(notes))
