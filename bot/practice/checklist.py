"""The key-point checklist behind "Check key points": after a /quiz answer or under the daily
reveal, the member ticks what their answer covered, the ticks suggest a self-grade, and the
member confirms it with the usual grade buttons. The rules are in bot/practice/keypoints.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.bank.catalog import Catalog
from bot.errors import DrillError
from bot.practice import keypoints
from bot.practice.quiz import QuizService
from bot.storage import Store

Target = Literal["quiz", "daily"]
GRADE_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


@dataclass(frozen=True, slots=True)
class Checklist:
    target: Target
    target_id: int  # the quiz session, or the daily post
    question_id: str
    key_points: tuple[str, ...]
    missed: tuple[int, ...] | None  # the hint; None: no answer to read, or no hint for it


@dataclass(frozen=True, slots=True)
class Suggestion:
    target: Target
    target_id: int
    ticked: int
    total: int
    grade: int

    @property
    def grade_name(self) -> str:
        return GRADE_NAMES[self.grade]


class ChecklistService:
    def __init__(self, store: Store, catalog: Catalog, quiz: QuizService) -> None:
        self.store, self.catalog, self.quiz = store, catalog, quiz
        self._idf: dict[str, float] | None = None  # word weights over the bank's key points

    async def for_session(self, session_id: int, user_id: int) -> Checklist:
        """A /quiz or /review question the member answered (or read the notes of)."""
        shown = await self.quiz.session_question(session_id, user_id)
        answers = await self.store.answers.for_session(session_id)
        text = "\n".join(a.content for a in answers)
        return await self._checklist(
            "quiz", session_id, shown.session.guild_id, shown.question.id, text
        )

    async def for_daily(self, post_id: int, user_id: int) -> Checklist:
        """A daily question after its reveal; the hint reads the member's own answers to it."""
        post = await self.store.daily.by_id(post_id)
        if post is None:
            raise DrillError("That daily question is gone.")
        answers = await self.store.answers.for_post(post_id)
        text = "\n".join(a.content for a in answers if a.user_id == user_id)
        return await self._checklist("daily", post_id, post.guild_id, post.question_id, text)

    async def _checklist(
        self, target: Target, target_id: int, guild_id: int | None, question_id: str, text: str
    ) -> Checklist:
        bank = await self.catalog.for_guild(guild_id)
        question = bank.lookup(question_id)
        if question is None or not question.key_points:
            raise DrillError("That question is no longer in the bank.")
        missed: tuple[int, ...] | None = None
        if text.strip() and keypoints.hint_shown(question.id):
            if self._idf is None:  # the first bank's: a guild's own pack barely moves them
                corpus = (k for q in bank.questions.values() for k in q.key_points)
                self._idf = keypoints.weights(corpus)
            missed = tuple(keypoints.missed(text, question.key_points, self._idf))
        return Checklist(target, target_id, question.id, question.key_points, missed)

    def suggest(self, target: Target, target_id: int, ticked: int, total: int) -> Suggestion:
        if not 0 <= ticked <= total:
            raise DrillError("Tick only the key points shown.")
        return Suggestion(
            target, target_id, ticked, total, keypoints.suggested_grade(ticked, total)
        )
