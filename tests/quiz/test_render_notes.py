"""The notes shown at the reveal and after a quiz answer: red flags and worked solutions, always
inside Discord's embed limits, a long solution cut with a visible note."""

from __future__ import annotations

from bot.bank import Question, Solution
from bot.sandbox.emulator.layouts import texts
from cogs.render import NOTES_BUDGET, notes_embed
from tests.conftest import BotFactory, World
from tests.quiz.helpers import ask, footer_session, press


def question(solution: Solution | None, *, long: bool = False) -> Question:
    n = 200 if long else 40
    return Question(
        "python-099", "python", "hard", "coding", "Write it." * (100 if long else 1),
        "Whether they can." * (35 if long else 1),
        tuple("k" * n for _ in range(7 if long else 3)),
        tuple("f" * n for _ in range(5 if long else 1)),
        red_flags=tuple("r" * n for _ in range(4 if long else 2)), solution=solution,
    )  # fmt: skip


def test_red_flags_and_a_short_solution_are_shown_whole() -> None:
    embed = notes_embed(question(Solution("python", "def f():\n    return 1", "Why so.")), "Python")
    names = [f.name for f in embed.fields]
    assert names == [
        "Key points of a strong answer",
        "Red flags: a weak answer…",
        "Follow-up questions",
    ]
    assert embed.description is not None
    assert embed.description.endswith("```python\ndef f():\n    return 1\n```\nWhy so.")


def test_a_long_solution_is_cut_visibly_and_the_embed_fits() -> None:
    code = "\n".join(f"line_{i} = {i}  # " + "x" * 40 for i in range(60))[:3000]
    embed = notes_embed(question(Solution("python", code), long=True), "Python")
    assert len(embed) <= NOTES_BUDGET
    assert embed.description is not None and len(embed.description) <= 4096
    assert "cut to fit Discord: the full solution is python-099" in embed.description
    assert embed.description.count("```") == 2  # the code block stays closed


def test_a_fence_inside_the_code_cannot_break_out_of_the_block() -> None:
    embed = notes_embed(question(Solution("bash", "echo '```'\nls")), "Python")
    assert embed.description is not None and embed.description.count("```") == 2


async def test_a_quiz_answer_shows_the_red_flags(world: World, start_bot: BotFactory, bank) -> None:
    ana = world["ana"]
    async with start_bot():
        asked = await ask(ana, world.channel.id, "quiz", topic="python")
        sid = footer_session(asked)
        opened = await press(ana, asked, f"drill:quiz:answer:{sid}")
        await (await ana.submit_modal(opened, {"answer": "An answer"})).wait_response()
        revealed = world.emu.message(asked.channel_id, asked.id)
        assert revealed is not None
        qid = texts(asked.components)[-1].removeprefix("-# ").split(" ", 1)[0]
        flags = bank.questions[qid].red_flags
        assert flags, "the shipped python questions carry red flags"
        field = next(t for t in texts(revealed.components) if t.startswith("### Red flags"))
        assert all(flag[:50] in field for flag in flags)
        assert sum(len(t) for t in texts(revealed.components)) <= 4000
