"""Mock interviews: a private round of 4-6 questions under time, follow-ups released one at a
time, then the member's ratings on the round's signals and a summary against earlier rounds.

Every state change is one guarded statement in bot/storage/mock.py: a second press or submit is
told it was already done. Sessions live in the database, so they survive a restart, and expire
after a day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.bank import Bank, Question
from bot.bank.catalog import Catalog
from bot.bank.models import SIGNALS
from bot.bank.selection import eligible
from bot.clock import Clock
from bot.errors import DrillError
from bot.mock.rounds import (
    ROUNDS_BY_SLUG,
    Round,
    choose_questions,
    follow_ups_for,
    resolve_round,
    topic_weakness,
)
from bot.storage.mock import AlreadyOpen, MockAnswer, MockItem, MockRepo, MockSession, NewItem

SESSION_TTL = timedelta(days=1)
FRESH_FOR = timedelta(days=30)
MAX_ANSWER = 4000  # a modal's text input


@dataclass(frozen=True, slots=True)
class Step:
    """What the member sees now: a question or one of its follow-ups, with its deadline."""

    session_id: int
    round: Round
    position: int  # 0-based
    total: int
    step: int  # 0 the question, 1.. its follow-ups
    question: Question
    follow_up: str | None
    deadline: datetime  # the question's budget, follow-ups included

    @property
    def steps(self) -> int:
        return 1 + len(follow_ups_for(self.question))


@dataclass(frozen=True, slots=True)
class RatingDue:
    session_id: int
    round: Round


@dataclass(frozen=True, slots=True)
class ItemResult:
    question: Question
    budget_s: int
    used_s: int
    over_time: bool
    answers: tuple[MockAnswer, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    session_id: int
    round: Round
    items: tuple[ItemResult, ...]
    ratings: dict[str, int]  # self-ratings, signal -> 1..4
    previous: tuple[dict[str, int], ...]  # earlier rounds' self-ratings, oldest first


@dataclass(frozen=True, slots=True)
class PastRound:
    session_id: int
    round: Round
    started_at: datetime
    used_s: int
    ratings: dict[str, int]


class MockService:
    def __init__(self, repo: MockRepo, catalog: Catalog, clock: Clock) -> None:
        self.repo, self.catalog, self.clock = repo, catalog, clock

    # -- starting ---------------------------------------------------------------------------
    async def start(self, guild_id: int | None, user_id: int, round_text: str) -> Step:
        round_ = resolve_round(round_text)
        if round_ is None:
            names = ", ".join(ROUNDS_BY_SLUG)
            raise DrillError(f"There is no round called that. Pick one of: {names}.")
        now = self.clock.now()
        await self.repo.expire(now)
        if await self.repo.open_for(user_id) is not None:
            raise DrillError("You have a mock round open already: finish or abandon it first.")
        bank = await self.catalog.for_guild(guild_id)
        questions = await self._choose(guild_id, user_id, bank, round_, now)
        if not questions:
            raise DrillError(f"The question bank has no {round_.name.lower()} questions here.")
        items = [NewItem(q.id, round_.budget_s, follow_ups_for(q)) for q in questions]
        try:
            session = await self.repo.create(
                guild_id=guild_id, user_id=user_id, round_=round_.slug, items=items, now=now,
                expires_at=now + SESSION_TTL,
            )  # fmt: skip
        except AlreadyOpen as exc:  # a second /mock raced the first one
            raise DrillError("You have a mock round open already.") from exc
        return await self._step(session, bank)

    async def _choose(
        self, guild_id: int | None, user_id: int, bank: Bank, round_: Round, now: datetime
    ) -> list[Question]:
        candidates = list(bank.questions.values())
        if guild_id is not None:
            guilds = self.catalog.store.guilds
            candidates = eligible(
                candidates,
                await guilds.disabled_topics(guild_id),
                await guilds.disabled_questions(guild_id),
            )
        grades = [
            (q.topic, grade)
            for qid, grade in await self.repo.self_grades(user_id)
            if (q := bank.lookup(qid)) is not None
        ]
        recent = await self.repo.seen_since(user_id, now - FRESH_FOR)
        seed = f"{user_id}:{now.isoformat()}"
        return choose_questions(candidates, round_, topic_weakness(grades), recent, seed)

    # -- answering --------------------------------------------------------------------------
    async def current(self, session_id: int, user_id: int) -> Step | RatingDue:
        session = await self._own(session_id, user_id)
        if session.state == "rating":
            return RatingDue(session.id, ROUNDS_BY_SLUG[session.round])
        return await self._step(session, await self.catalog.for_guild(session.guild_id))

    async def step_to_answer(self, session_id: int, user_id: int, position: int, step: int) -> Step:
        """The step an Answer button names, if it is still the one waiting; else a refusal
        (a button from an earlier step, or a round waiting for ratings)."""
        current = await self.current(session_id, user_id)
        if not isinstance(current, Step) or (current.position, current.step) != (position, step):
            raise DrillError("That step is answered already; carry on with the current one.")
        return current

    async def rating_due(self, session_id: int, user_id: int) -> RatingDue:
        current = await self.current(session_id, user_id)
        if not isinstance(current, RatingDue):
            raise DrillError("This round is not waiting for ratings.")
        return current

    async def answer(
        self, session_id: int, user_id: int, position: int, step: int, text: str
    ) -> Step | RatingDue:
        """Store the answer to (position, step) and release what comes next. Answering late is
        allowed and recorded as over time; answering a step twice changes nothing."""
        text = text.strip()
        if not text:
            raise DrillError("An empty answer was not saved: write something and send it again.")
        if len(text) > MAX_ANSWER:
            raise DrillError(f"Answers are limited to {MAX_ANSWER:,} characters.")
        session = await self._own(session_id, user_id)
        if session.state != "active" or (session.position, session.step) != (position, step):
            raise DrillError("That answer was saved already; carry on with the current step.")
        items = await self.repo.items(session.id)
        item = items[session.position]
        now = self.clock.now()
        deadline = await self._deadline(session, item)
        if session.step < len(item.follow_ups):
            nxt = (session.position, session.step + 1, "active")
        elif session.position + 1 < len(items):
            nxt = (session.position + 1, 0, "active")
        else:
            nxt = (session.position, session.step, "rating")
        stored = await self.repo.record_answer(
            session, text, now=now, over_time=now > deadline,
            next_position=nxt[0], next_step=nxt[1], next_state=nxt[2],
        )  # fmt: skip
        if not stored:
            raise DrillError("That answer was saved already; carry on with the current step.")
        return await self.current(session.id, user_id)

    async def _deadline(self, session: MockSession, item: MockItem) -> datetime:
        """A question's budget runs from when it was first shown, follow-ups included."""
        if session.step == 0:
            return session.step_shown_at + timedelta(seconds=item.budget_s)
        first = next(
            a for a in await self.repo.answers(session.id)
            if a.position == session.position and a.step == 0
        )  # fmt: skip
        return first.shown_at + timedelta(seconds=item.budget_s)

    async def _step(self, session: MockSession, bank: Bank) -> Step:
        items = await self.repo.items(session.id)
        item = items[session.position]
        question = bank.lookup(item.question_id)
        if question is None:
            raise DrillError("This round's question is no longer in the bank; abandon the round.")
        follow_up = item.follow_ups[session.step - 1] if session.step else None
        return Step(
            session.id, ROUNDS_BY_SLUG[session.round], session.position, len(items),
            session.step, question, follow_up, await self._deadline(session, item),
        )  # fmt: skip

    # -- finishing --------------------------------------------------------------------------
    async def rate(self, session_id: int, user_id: int, ratings: Mapping[str, str]) -> Summary:
        """The member's 1-4 ratings of themself on the round's signals; closes the round once."""
        session = await self._own(session_id, user_id)
        round_ = ROUNDS_BY_SLUG[session.round]
        scores = parse_ratings(round_, ratings)
        if session.state != "rating":
            raise DrillError("This round is not waiting for ratings (already rated or closed).")
        if not await self.repo.finish(session.id, scores, "self", self.clock.now()):
            raise DrillError("This round was rated already.")
        return await self.summary(session.id, user_id)

    async def summary(self, session_id: int, user_id: int) -> Summary:
        session = await self._own(session_id, user_id)
        bank = await self.catalog.for_guild(session.guild_id)
        answers = await self.repo.answers(session.id)
        results = []
        for item in await self.repo.items(session.id):
            mine = tuple(a for a in answers if a.position == item.position)
            question = bank.lookup(item.question_id)
            if question is None or not mine:
                continue
            used = int((mine[-1].answered_at - mine[0].shown_at).total_seconds())
            results.append(
                ItemResult(question, item.budget_s, used, any(a.over_time for a in mine), mine)
            )
        past = [s for s in reversed(await self.repo.finished(user_id)) if s.id != session.id]
        rated = await self.repo.ratings([*(s.id for s in past), session.id])
        return Summary(
            session.id, ROUNDS_BY_SLUG[session.round], tuple(results),
            _self(rated.get(session.id, {})), tuple(_self(rated[s.id]) for s in past),
        )  # fmt: skip

    async def abandon(self, session_id: int, user_id: int) -> None:
        await self._own(session_id, user_id)
        if not await self.repo.abandon(session_id, user_id, self.clock.now()):
            raise DrillError("This round is closed already.")

    async def history(self, user_id: int, limit: int = 10) -> list[PastRound]:
        sessions = await self.repo.finished(user_id, limit)
        rated = await self.repo.ratings([s.id for s in sessions])
        out = []
        for s in sessions:
            answers = await self.repo.answers(s.id)
            used = sum(int((a.answered_at - a.shown_at).total_seconds()) for a in answers)
            out.append(PastRound(s.id, ROUNDS_BY_SLUG[s.round], s.started_at, used,
                                 _self(rated[s.id])))  # fmt: skip
        return out

    async def signal_profile(self, user_id: int) -> dict[str, dict[str, float]]:
        """Average rating per signal, self-ratings and partners' ratings apart."""
        sessions = await self.repo.finished(user_id, limit=1000)
        sums: dict[str, dict[str, list[int]]] = {"self": {}, "partner": {}}
        for ratings in (await self.repo.ratings([s.id for s in sessions])).values():
            for (rater, signal), score in ratings.items():
                sums[rater].setdefault(signal, []).append(score)
        return {
            rater: {signal: sum(v) / len(v) for signal, v in by.items()}
            for rater, by in sums.items()
        }

    async def session(self, session_id: int) -> MockSession | None:
        """A round as stored, whoever's it is (a pair's interviewer reads the candidate's)."""
        return await self.repo.session(session_id)

    async def _own(self, session_id: int, user_id: int) -> MockSession:
        await self.repo.expire(self.clock.now())
        session = await self.repo.session(session_id)
        if session is None or session.user_id != user_id:
            raise DrillError("This mock round is not yours; start your own with /mock start.")
        if session.state in ("abandoned", "expired"):
            raise DrillError(
                f"This mock round was {session.state}; start a new one with /mock start."
            )
        return session


def _self(ratings: Mapping[tuple[str, str], int]) -> dict[str, int]:
    """Self-ratings, in the order the five signals are always listed."""
    return {s: ratings[("self", s)] for s in SIGNALS if ("self", s) in ratings}


def parse_ratings(round_: Round, given: Mapping[str, str]) -> dict[str, int]:
    """Each of the round's signals rated 1-4, as typed in a modal; a clear error otherwise."""
    out: dict[str, int] = {}
    for signal in round_.signals:
        text = given.get(signal, "").strip()
        if not (len(text) == 1 and text in "1234"):
            shown = text[:20] or "nothing"
            raise DrillError(f"Rate {signal} with a digit from 1 to 4 (got '{shown}').")
        out[signal] = int(text)
    return out
