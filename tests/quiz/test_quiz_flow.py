"""/quiz through the real client and the emulator: question, answer, reveal, grade."""

from __future__ import annotations

import os
from pathlib import Path

from bot.bank import Bank
from bot.practice.quiz import MAX_ANSWER
from bot.storage import Store
from cogs.render import TESTING_HEADING
from tests.conftest import BotFactory, World
from tests.quiz.helpers import (
    ask,
    button_ids,
    footer_session,
    press,
    refusal,
    shown_texts,
    title,
    transcript,
)


async def test_quiz_answer_reveal_grade(
    world: World, store: Store, start_bot: BotFactory, clock, bank: Bank
) -> None:
    emu, ana = world.emu, world["ana"]
    async with start_bot():
        since = len(emu.calls)
        question = await ask(ana, world.channel.id, "quiz", topic="cicd")
        sid = footer_session(question)
        assert title(question) == "Practice question"
        assert shown_texts(question)[0].splitlines()[1].startswith("**CI/CD for ML** · ")
        assert button_ids(question) == [
            f"drill:quiz:answer:{sid}",
            f"drill:quiz:notes:{sid}",
            f"drill:quiz:skip:{sid}",
            f"drill:report:{sid}",
        ]
        clock.advance(seconds=80)
        opened = await press(ana, question, f"drill:quiz:answer:{sid}")
        assert opened.modal is not None and opened.modal["custom_id"] == f"drill:quiz:modal:{sid}"
        submit = await ana.submit_modal(opened, {"answer": "Gate on offline metrics, canary."})
        assert (await submit.wait_response())["type"] == 7  # the question message is updated
        revealed = emu.message(question.channel_id, question.id)
        assert revealed is not None
        heads = [t.splitlines()[0] for t in shown_texts(revealed)][:3]
        assert heads == ["## Practice question", "### Your answer", f"## {TESTING_HEADING}"]
        assert shown_texts(revealed)[1] == "### Your answer\nGate on offline metrics, canary."
        session = await store.practice.session(sid)
        assert session is not None
        shown = bank.questions[session.question_id]
        # Levels and a model answer, when the question has them, are one press away (issue 26).
        extra = shown.levels or shown.model_answer or shown.sources
        levels = [f"drill:quiz:levels:{sid}"] if extra else []
        assert (
            button_ids(revealed)
            == [f"drill:grade:{sid}:{g}" for g in (1, 2, 3, 4)]
            + [f"drill:report:{sid}", f"drill:check:quiz:{sid}"]
            + levels
        )
        graded = await press(ana, revealed, f"drill:grade:{sid}:3")
        assert graded.response is not None and graded.response["type"] == 7
        final = emu.message(question.channel_id, question.id)
        # Every step edited the same V2 message as a V2 layout: the flag kept, no content or
        # embeds (the emulator refuses either on a V2 message, as Discord does).
        assert final is not None and final.content == "" and final.embeds == []
        assert final.flags & (1 << 15) and final.edited_timestamp is not None
        assert any(t.startswith("Graded **Good**") for t in shown_texts(final))
        assert f"## {TESTING_HEADING}" in final.text  # the notes stay above the grade
        assert button_ids(final) == [f"drill:report:{sid}", *levels]
        calls = [(c.method, c.path.split("/")[1], c.json.get("type")) for c in emu.calls[since:]]
        assert calls == [
            ("POST", "interactions", 5),  # deferred at once
            ("POST", "webhooks", None),  # the question, as a follow-up
            ("POST", "interactions", 9),  # the answer modal
            ("POST", "interactions", 7),  # reveal, in place
            ("POST", "interactions", 7),  # grade, in place
        ]
        if path := os.environ.get("DRILLBOT_TRANSCRIPT"):  # for reading a whole exchange
            Path(path).write_text(transcript(emu, since))  # noqa: ASYNC240 - opt-in debug dump
    session = await store.practice.session(sid)
    assert session is not None and session.state == "graded" and session.grade == 3
    assert session.time_taken_ms == 80_000 and not session.notes_only
    answers = await store.answers.for_session(sid)
    assert [a.content for a in answers] == ["Gate on offline metrics, canary."]
    card = await store.practice.card(ana.id, session.question_id)
    assert card is not None and card.last_grade == 3


async def test_modal_answer_at_max_length_and_empty(world: World, start_bot: BotFactory) -> None:
    emu, ana = world.emu, world["ana"]
    async with start_bot():
        question = await ask(ana, world.channel.id, "quiz", topic="k8s")
        sid = footer_session(question)
        opened = await press(ana, question, f"drill:quiz:answer:{sid}")
        assert opened.modal is not None
        text_input = opened.modal["components"][0]
        text_input = text_input.get("component") or text_input["components"][0]
        assert text_input["max_length"] == MAX_ANSWER and text_input["style"] == 2
        empty = await ana.submit_modal(opened, {"answer": "   "})
        assert "empty" in await refusal(empty)
        again = await press(ana, question, f"drill:quiz:answer:{sid}")
        full = await ana.submit_modal(again, {"answer": "k" * MAX_ANSWER})
        assert (await full.wait_response())["type"] == 7
        revealed = emu.message(question.channel_id, question.id)
        assert revealed is not None
        total = sum(len(t) for t in shown_texts(revealed))
        # Shown up to 1,500 characters, visibly shortened: the member has their answer.
        assert total <= 4000 and shown_texts(revealed)[1] == "### Your answer\n" + "k" * 1499 + "…"
    assert emu.errors == []
