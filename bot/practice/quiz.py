"""On-demand practice: /quiz, /review, answers, notes, self-grades and reports. No discord here.

Every step takes the acting member's id and the session id the button carried; the session
row in the database is the whole state, so buttons keep working after a restart. Every step
that changes a session is one guarded statement in bot/storage/practice.py: when two presses
cross, the row count picks one, and the other is told it was already done (AlreadyDone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import validation
from bot.bank import Bank, Question, Topic
from bot.bank.catalog import Catalog
from bot.bank.selection import NoQuestions, choose_practice, eligible
from bot.clock import Clock
from bot.errors import WHEN, DrillError
from bot.organiser.reports import Reports
from bot.practice import srs
from bot.practice.steps import (
    MAX_ANSWER,
    MAX_REPORT_DETAIL,
    REPORT_REASONS,
    SESSION_TTL,
    AlreadyDone,
    Cooldown,
    Graded,
    Revealed,
    Shown,
    already_done,
    parse_reason,
)
from bot.storage import QuizSession, SrsCard, Store

__all__ = [
    "MAX_ANSWER",
    "MAX_REPORT_DETAIL",
    "REPORT_REASONS",
    "SESSION_TTL",
    "AlreadyDone",
    "Cooldown",
    "Graded",
    "QuizService",
    "Revealed",
    "Shown",
    "parse_reason",
]


class QuizService:
    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        clock: Clock,
        *,
        cooldown: Cooldown | None = None,
        session_ttl: timedelta = SESSION_TTL,
    ) -> None:
        self.store, self.catalog, self.clock = store, catalog, clock
        self.cooldown = cooldown or Cooldown()
        self.session_ttl = session_ttl
        self.reports = Reports(store, catalog, clock)

    # -- topics -----------------------------------------------------------------------------
    async def complete_topics(self, guild_id: int | None, text: str) -> list[Topic]:
        """Autocomplete: names and aliases, fuzzy; topics switched off here are left out."""
        bank = await self.catalog.for_guild(guild_id)
        off = await self._disabled_topics(guild_id)
        return [t for t in bank.complete_topics(text[:100]) if t.slug not in off][:25]

    async def _disabled_topics(self, guild_id: int | None) -> frozenset[str]:
        return await self.store.guilds.disabled_topics(guild_id) if guild_id else frozenset()

    async def _candidates(self, guild_id: int | None, bank: Bank) -> list[Question]:
        if guild_id is None:
            return list(bank.questions.values())
        return eligible(
            bank.questions.values(),
            await self.store.guilds.disabled_topics(guild_id),
            await self.store.guilds.disabled_questions(guild_id),
        )

    # -- showing a question -----------------------------------------------------------------
    async def start(
        self, guild_id: int | None, user_id: int, topic_text: str, difficulty: str | None = None
    ) -> Shown:
        """/quiz: unseen questions of the topic first, then due ones, then the least seen."""
        now = self._take_cooldown(user_id)
        try:
            bank = await self.catalog.for_guild(guild_id)
            topic = await self._topic(guild_id, bank, topic_text)
            question = await self._pick(guild_id, user_id, bank, topic, difficulty, exclude=())
            return await self._open(guild_id, user_id, question, topic, "quiz", now)
        except DrillError:
            self.cooldown.give_back(user_id, now)
            raise

    async def _topic(self, guild_id: int | None, bank: Bank, text: str) -> Topic:
        topic = validation.resolve_topic(
            bank, text, " Start typing and pick a topic from the list."
        )
        if topic.slug in await self._disabled_topics(guild_id):
            raise DrillError(f"{topic.name} is switched off in this server.")
        return topic

    async def review(self, guild_id: int | None, user_id: int) -> Shown:
        """/review: the member's due questions, oldest due first."""
        now = self._take_cooldown(user_id)
        try:
            return await self._next_review(guild_id, user_id, now, after=None)
        except DrillError:
            self.cooldown.give_back(user_id, now)
            raise

    async def skip(self, session_id: int, user_id: int) -> Shown:
        """Skip: mark this one skipped and show another of the same topic (or the next due)."""
        session = await self._own(session_id, user_id)
        if session.state != "open":
            raise already_done(session)
        now = self._take_cooldown(user_id)
        try:
            if not await self.store.practice.mark(session.id, "skipped", now):
                raise already_done(await self._reload(session.id))
            return await self._after_skip(session, user_id, now)
        except DrillError:
            self.cooldown.give_back(user_id, now)
            raise

    async def _after_skip(self, session: QuizSession, user_id: int, now: datetime) -> Shown:
        if session.mode == "review":
            # Move on along the due order: skipped cards stay due, so excluding only this one
            # would bounce between two of them.
            card = await self.store.practice.card(user_id, session.question_id)
            after = (card.due, card.question_id) if card else None
            return await self._next_review(session.guild_id, user_id, now, after=after)
        bank = await self.catalog.for_guild(session.guild_id)
        current = bank.lookup(session.question_id)
        if current is None:
            raise DrillError("That question is no longer in the bank; run /quiz again.")
        topic = bank.topics[current.topic]
        question = await self._pick(
            session.guild_id, user_id, bank, topic, None, exclude=(session.question_id,)
        )
        return await self._open(session.guild_id, user_id, question, topic, "quiz", now)

    async def _pick(
        self,
        guild_id: int | None,
        user_id: int,
        bank: Bank,
        topic: Topic,
        difficulty: str | None,
        exclude: Sequence[str],
    ) -> Question:
        pool = [q for q in await self._candidates(guild_id, bank) if q.topic == topic.slug]
        if difficulty:
            pool = [q for q in pool if q.difficulty == difficulty]
        if not pool:
            level = f"{difficulty} " if difficulty else ""
            raise DrillError(f"There are no {level}questions on {topic.name} here yet.")
        now = self.clock.now()
        seen = await self.store.practice.seen_questions(user_id)
        due = [c.question_id for c in await self.store.practice.due_cards(user_id, now)]
        try:
            return choose_practice(pool, seen, due, now, user_id, exclude)
        except NoQuestions as exc:  # pragma: no cover - pool is non-empty above
            raise DrillError("No questions match.") from exc

    async def _next_review(
        self,
        guild_id: int | None,
        user_id: int,
        now: datetime,
        after: tuple[datetime, str] | None,
    ) -> Shown:
        bank = await self.catalog.for_guild(guild_id)
        allowed = {q.id for q in await self._candidates(guild_id, bank)}
        for card in await self.store.practice.due_cards(user_id, now, limit=100):
            if after is not None and (card.due, card.question_id) <= after:
                continue
            # A card of a question merged into another reviews the one that replaced it.
            question = bank.lookup(card.question_id)
            if question is not None and question.id in allowed:
                topic = bank.topics[question.topic]
                return await self._open(guild_id, user_id, question, topic, "review", now)
        raise await self._nothing_due(user_id, now, after is not None)

    async def _nothing_due(self, user_id: int, now: datetime, skipped: bool) -> DrillError:
        upcoming = await self.store.practice.next_due(user_id)
        first = "Nothing else is due right now." if skipped else "Nothing is due for review."
        if upcoming is None:
            return DrillError(
                f"{first} Grade a /quiz answer and it will come back here when it is due."
            )
        if upcoming <= now:
            # Due, but the question was skipped, removed or switched off here.
            return DrillError(f"{first} Run /quiz for something new.")
        return DrillError(f"{first} Your next review is due {WHEN}.", when=upcoming)

    async def _open(
        self,
        guild_id: int | None,
        user_id: int,
        question: Question,
        topic: Topic,
        mode: str,
        now: datetime,
    ) -> Shown:
        session = await self.store.practice.open_session(
            guild_id=guild_id,
            user_id=user_id,
            question_id=question.id,
            question_version=question.version,
            mode=mode,
            now=now,
        )
        return Shown(session, question, topic)

    def _take_cooldown(self, user_id: int) -> datetime:
        now = self.clock.now()
        self.cooldown.take(user_id, now)
        return now

    # -- answering, notes, grading ----------------------------------------------------------
    async def answer(self, session_id: int, user_id: int, text: str) -> Revealed:
        session = await self._own(session_id, user_id)
        body = text.strip()
        if not body:
            raise DrillError(
                "Your answer was empty: press Answer and write something, or Show notes."
            )
        if len(body) > MAX_ANSWER:
            raise DrillError(f"Answers can be up to {MAX_ANSWER} characters.")
        if session.state != "open":
            raise already_done(session)
        now = self.clock.now()
        stored = await self.store.practice.record_answer(
            session.id, guild_id=session.guild_id, user_id=user_id, text=body, now=now
        )
        if stored is None:  # a second submit (or Show notes) got there first
            raise already_done(await self._reload(session.id))
        await self.store.practice.mark(session.id, "revealed", now, expect=("answered",))
        question, topic = await self._question(session)
        return Revealed(await self._reload(session.id), question, topic, body)

    async def show_notes(self, session_id: int, user_id: int) -> Revealed:
        """Reveal without answering; stored as notes-only so it is not mistaken for an answer.
        Showing notes that are already shown changes nothing and shows them again."""
        session = await self._own(session_id, user_id)
        if session.state == "open":
            now = self.clock.now()
            await self.store.practice.mark(
                session.id, "revealed", now, notes_only=True, expect=("open",)
            )
            session = await self._reload(session.id)
        if session.state not in ("answered", "revealed"):
            raise DrillError("This question is finished; run /quiz for another.")
        question, topic = await self._question(session)
        return Revealed(session, question, topic, None)

    async def graded_answers(self, session_id: int, user_id: int) -> Question:
        """The question behind **Levels & model answer**: only once its notes are shown (an
        answer given, or Show notes pressed), since the model answer gives the answer away."""
        session = await self._own(session_id, user_id)
        if session.state == "open":
            raise DrillError("Answer first (or press Show notes): then the levels are shown.")
        question, _ = await self._question(session)
        return question

    async def grade(self, session_id: int, user_id: int, grade: int) -> Graded:
        session = await self._own(session_id, user_id)
        if session.state not in ("answered", "revealed"):
            raise await self._graded_already(session)
        return await self._grade(session, grade)

    async def _grade(self, session: QuizSession, grade: int) -> Graded:
        now = self.clock.now()

        def review(previous: SrsCard | None) -> SrsCard:
            result = srs.review(
                previous.card_json if previous else None,
                grade,
                now,
                user_id=session.user_id,
                question_id=session.question_id,
                duration_ms=session.time_taken_ms,
            )
            # last_grade and reviews are kept by the repository's upsert.
            return SrsCard(
                session.user_id, session.question_id, result.card_json, result.due, None, 0
            )

        card = await self.store.practice.grade(session.id, grade, review, now)
        if card is None:  # the other press graded it first
            raise await self._graded_already(await self._reload(session.id))
        question, _ = await self._question(session)
        return Graded(await self._reload(session.id), question, grade, card.due)

    async def _graded_already(self, session: QuizSession) -> AlreadyDone:
        refusal = already_done(session)
        if session.state != "graded":
            return refusal
        card = await self.store.practice.card(session.user_id, session.question_id)
        if card is None:
            return refusal
        return AlreadyDone(f"{refusal.text} It is due {WHEN}.", when=card.due)

    async def grade_daily(self, post_id: int, user_id: int, grade: int) -> Graded:
        """A grade button under the daily reveal: puts the question into this member's queue."""
        post = await self.store.daily.by_id(post_id)
        if post is None:
            raise DrillError("That daily question is gone.")
        if post.state != "revealed":  # its buttons come with the reveal: a crafted id
            raise DrillError("That daily question is not revealed yet: grade it after the reveal.")
        session = await self.store.practice.daily_session(user_id, post_id)
        if session is None:
            bank = await self.catalog.for_guild(post.guild_id)
            question = bank.lookup(post.question_id)
            if question is None:
                raise DrillError("That question is no longer in the bank.")
            # Two presses at once both get here; the UNIQUE key gives both the same session.
            session = await self.store.practice.open_daily_session(
                guild_id=post.guild_id,
                user_id=user_id,
                question_id=question.id,
                question_version=question.version,
                daily_post_id=post.id,
                now=self.clock.now(),
            )
        if session.state == "graded":
            raise await self._graded_already(session)
        return await self._grade(session, grade)

    async def daily_model_answer(self, post_id: int) -> Question:
        """The question behind a daily reveal's **Model answer** button. Only once the reveal
        has begun: before it, the answer would give the day's question away."""
        post = await self.store.daily.by_id(post_id)
        if post is None:
            raise DrillError("That daily question is gone.")
        if post.state != "revealed" and post.reveal_claimed_by is None:
            raise DrillError("The model answer is shown after the reveal.")
        bank = await self.catalog.for_guild(post.guild_id)
        question = bank.lookup(post.question_id)
        if question is None:
            raise DrillError("That question is no longer in the bank.")
        if not question.model_answer:
            raise DrillError("This question has no model answer yet.")
        return question

    # -- reports ----------------------------------------------------------------------------
    async def report(self, session_id: int, user_id: int, reason: str, detail: str) -> str:
        session = await self._own(session_id, user_id)
        return await self.reports.for_session(session, reason, detail)

    async def report_daily(self, post_id: int, user_id: int, reason: str, detail: str) -> str:
        return await self.reports.for_daily(post_id, user_id, reason, detail)

    # -- sessions ---------------------------------------------------------------------------
    async def _own(self, session_id: int, user_id: int) -> QuizSession:
        """The session, if it is this member's and still fresh; else a clear refusal."""
        session = await self.store.practice.session(session_id)
        if session is None:
            raise DrillError("That question is no longer available; run /quiz for a new one.")
        if session.user_id != user_id:
            raise DrillError("That question belongs to someone else: run /quiz to get your own.")
        if self.clock.now() - session.shown_at > self.session_ttl:
            hours = int(self.session_ttl.total_seconds() // 3600)
            raise DrillError(
                f"That question expired (older than {hours} hours): run /quiz for a fresh one."
            )
        return session

    async def session_question(self, session_id: int, user_id: int) -> Shown:
        """The question behind a button, for the ownership check before opening a modal."""
        session = await self._own(session_id, user_id)
        question, topic = await self._question(session)
        return Shown(session, question, topic)

    async def _question(self, session: QuizSession) -> tuple[Question, Topic]:
        bank = await self.catalog.for_guild(session.guild_id)
        question = bank.lookup(session.question_id)
        if question is None:
            raise DrillError("That question was removed from the bank; run /quiz for another.")
        return question, bank.topics[question.topic]

    async def _reload(self, session_id: int) -> QuizSession:
        session = await self.store.practice.session(session_id)
        assert session is not None
        return session
