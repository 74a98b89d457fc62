"""The persistent-button base (cogs/buttons.py): custom ids stay byte-identical to the ones
posted before the base existed, so buttons on old messages still work, and a button must
declare a kind of bot/ownership.py whose ids it carries (issue 21)."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from discord import ui

from cogs.buttons import Press

# (module, class, constructor arguments, the custom id the code of 2026-12-06 built for them)
SAMPLES: list[tuple[str, str, tuple[Any, ...], str]] = [
    ("quiz_views", "AnswerButton", (11,), "drill:quiz:answer:11"),
    ("quiz_views", "NotesButton", (11,), "drill:quiz:notes:11"),
    ("quiz_views", "SkipButton", (11,), "drill:quiz:skip:11"),
    ("quiz_views", "GradeButton", (11, 1), "drill:grade:11:1"),
    ("quiz_views", "GradeButton", (11, 4), "drill:grade:11:4"),
    ("quiz_views", "ReportButton", (11,), "drill:report:11"),
    ("quiz_views", "DailyGradeButton", (22, 3), "drill:daily:grade:22:3"),
    ("quiz_views", "DailyReportButton", (22,), "drill:daily:report:22"),
    ("quiz_views", "LevelsButton", (11,), "drill:quiz:levels:11"),
    ("quiz_views", "DailyModelAnswerButton", (22,), "drill:daily:model:22"),
    ("mock_views", "AnswerButton", (33, 2, 1), "drill:mock:answer:33:2:1"),
    ("mock_views", "RateButton", (33,), "drill:mock:rate:33"),
    ("mock_views", "AbandonButton", (33,), "drill:mock:abandon:33"),
    ("mock_pair_views", "PairButton", ("accept", 44), "drill:mock:pair:accept:44"),
    ("mock_pair_views", "PairButton", ("decline", 44), "drill:mock:pair:decline:44"),
    ("mock_pair_views", "PairButton", ("notes", 44), "drill:mock:pair:notes:44"),
    ("mock_pair_views", "PairButton", ("swap", 44), "drill:mock:pair:swap:44"),
    ("mock_pair_views", "PairButton", ("end", 44), "drill:mock:pair:end:44"),
    ("mock_pair_views", "PairRateButton", ("rate", 44, 33), "drill:mock:pair:rate:44:33"),
    ("mock_pair_views", "PairRateButton", ("fb", 44, 33), "drill:mock:pair:fb:44:33"),
    ("checklist_views", "CheckQuizButton", (11,), "drill:check:quiz:11"),
    ("checklist_views", "CheckDailyButton", (22,), "drill:check:daily:22"),
    ("leaderboard", "PageButton", ("w:season", 0, "Previous", True), "drill:board:0:w:season"),
    ("leaderboard", "PageButton", ("all", 1), "drill:board:1:all"),
    ("stats", "ForgetButton", ("yes", 55), "drill:forget:yes:55"),
    ("stats", "ForgetButton", ("no", 55), "drill:forget:no:55"),
    ("blind", "AnswerButton", (22,), "drill:blind:answer:22"),
    # Ids as long as Discord's snowflakes and a daily post's row id after years of use.
    ("quiz_views", "GradeButton", (2**63 - 1, 2), "drill:grade:9223372036854775807:2"),
    ("blind", "AnswerButton", (1180000000000000000,), "drill:blind:answer:1180000000000000000"),
]  # fmt: skip


def _class(module: str, name: str) -> type[Press[Any]]:
    cls = getattr(importlib.import_module(f"cogs.{module}"), name)
    assert issubclass(cls, Press)
    return cls


@pytest.mark.parametrize(("module", "name", "args", "custom_id"), SAMPLES)
async def test_every_kind_builds_and_parses_back_the_custom_id_of_old_posts(
    module: str, name: str, args: tuple[Any, ...], custom_id: str
) -> None:
    cls = _class(module, name)
    assert cls(*args).custom_id == custom_id  # what new posts carry: unchanged, to the byte
    # A press on an old post: discord.py matches the template and asks the class to rebuild.
    match = cls.__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match is not None
    again = await cls.from_custom_id(None, None, match)  # type: ignore[arg-type]
    assert again.custom_id == custom_id
    given = dict(zip([name for name, _, _ in cls.fields], args, strict=False))
    for field in cls.ids:
        assert getattr(again, field) == given[field]
        assert type(getattr(again, field)) is type(given[field])
    # Exactly one button class answers to it, so one press runs one callback.
    owners = {
        n for n, c in _all().items() if c.__discord_ui_compiled_template__.fullmatch(custom_id)
    }
    assert owners == {f"{module}.{name}"}


def _all() -> dict[str, type[Press[Any]]]:
    """Every button class by name (a test that reloads an extension leaves older copies)."""

    def below(cls: type) -> list[type]:
        return [s for c in cls.__subclasses__() for s in (c, *below(c))]

    return {
        f"{c.__module__.removeprefix('cogs.')}.{c.__qualname__}": c
        for c in below(Press)
        if "kind" in vars(c) and c.__module__.startswith("cogs.")
    }


def test_the_samples_cover_every_button_class() -> None:
    for module in {m for m, *_ in SAMPLES}:
        importlib.import_module(f"cogs.{module}")
    covered = {f"{m}.{n}" for m, n, *_ in SAMPLES}
    assert set(_all()) == covered and len(covered) >= 15


def test_a_button_must_declare_a_kind_that_owns_its_ids() -> None:
    with pytest.raises(TypeError, match="not a button kind"):

        class Unlisted(Press[Any], custom_id="drill:nothing:{thing_id}", kind="nothing"):
            thing_id: int

    with pytest.raises(TypeError, match="is not of kind"):

        class Mislabelled(Press[Any], custom_id="drill:quiz:skip:{session_id}", kind="forget"):
            session_id: int

    with pytest.raises(TypeError, match="typed int or str"):

        class Untyped(Press[Any], custom_id="drill:quiz:skip:{session_id}", kind="quiz.skip"):
            pass


def test_a_family_base_matches_no_custom_id() -> None:
    from cogs.quiz_views import QuizPress

    assert "kind" not in vars(QuizPress)
    assert QuizPress.__discord_ui_compiled_template__.fullmatch("drill:quiz:skip:1") is None
    assert isinstance(QuizPress.__discord_ui_compiled_template__, re.Pattern)
    assert isinstance(ui.DynamicItem, type)
