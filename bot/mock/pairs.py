"""Pair mode of mock rounds: one member invites another, who has 10 minutes to accept; then
the two take turns in a private thread, one answering (a normal mock session) and the other
interviewing with the question's notes, rating the candidate 1-4 on the round's signals and
leaving one line of feedback. Every state change is one guarded statement in
bot/storage/mock_pairs.py, so a double press does it once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.errors import DrillError
from bot.mock.rounds import ROUNDS_BY_SLUG, resolve_round
from bot.mock.service import MockService, RatingDue, Step, parse_ratings
from bot.storage.mock import OPEN_STATES, MockSession
from bot.storage.mock_pairs import Pair, PairRepo, PendingAlready

INVITE_TTL = timedelta(minutes=10)
MAX_FEEDBACK = 300
_ONLY_THE_INTERVIEWER = "Only the interviewer of this round rates the candidate."


@dataclass(frozen=True, slots=True)
class Rated:
    """The interviewer's ratings, stored, of this candidate's round."""

    candidate_id: int
    scores: dict[str, int]


class PairService:
    def __init__(self, repo: PairRepo, mock: MockService, clock: Clock) -> None:
        self.repo, self.mock, self.clock = repo, mock, clock

    async def invite(
        self, guild_id: int | None, channel_id: int, inviter_id: int, partner_id: int,
        partner_is_bot: bool, round_text: str,
    ) -> Pair:  # fmt: skip
        if partner_id == inviter_id:
            raise DrillError("You cannot interview yourself: pick another member as partner.")
        if partner_is_bot:
            raise DrillError("Bots do not interview: pick a member as partner.")
        round_ = resolve_round(round_text)
        if round_ is None:
            raise DrillError(
                f"There is no round called that. Pick one of: {', '.join(ROUNDS_BY_SLUG)}."
            )
        now = self.clock.now()
        await self.repo.expire(now)
        try:
            return await self.repo.invite(
                guild_id=guild_id, channel_id=channel_id, inviter_id=inviter_id,
                partner_id=partner_id, round_=round_.slug, now=now, expires_at=now + INVITE_TTL,
            )  # fmt: skip
        except PendingAlready as exc:
            raise DrillError(
                "You have an invitation waiting already: it expires 10 minutes after you sent it."
            ) from exc

    async def answer_invite(self, pair_id: int, user_id: int, accept: bool) -> Pair:
        """Accept or decline, by the partner only, once, before the invitation expires."""
        pair = await self._get(pair_id)
        if user_id != pair.partner_id:
            raise DrillError(
                "This invitation is for someone else; start your own with /mock start."
            )
        now = self.clock.now()
        if not await self.repo.settle(pair_id, user_id, "accepted" if accept else "declined", now):
            await self.repo.expire(now)
            state = (await self._get(pair_id)).state
            if state == "expired":
                raise DrillError("This invitation expired; ask for a new one with /mock start.")
            raise DrillError(f"This invitation was {state} already.")
        return await self._get(pair_id)

    async def begin(self, pair: Pair, candidate_id: int, thread_id: int | None = None) -> Step:
        """Start ``candidate_id``'s round (a normal mock session) as the pair's current one."""
        step = await self.mock.start(pair.guild_id, candidate_id, pair.round)
        handed = await self.repo.set_round(
            pair.id, old_session=pair.session_id, candidate_id=candidate_id,
            session_id=step.session_id, thread_id=thread_id,
        )  # fmt: skip
        if not handed:
            await self.mock.abandon(step.session_id, candidate_id)
            raise DrillError("The next round has started already, or the pair has ended.")
        return step

    async def swap(self, pair_id: int, user_id: int) -> tuple[Pair, Step]:
        """The same round again with the roles swapped, once the current one is finished."""
        pair = await self._member(pair_id, user_id)
        assert pair.session_id is not None and pair.interviewer_id is not None
        session = await self.mock.repo.session(pair.session_id)
        if session is not None and session.state in OPEN_STATES:
            raise DrillError("Finish this round first (the candidate rates themself), then swap.")
        step = await self.begin(pair, pair.interviewer_id)
        return await self._get(pair_id), step

    async def end(self, pair_id: int, user_id: int) -> Pair:
        pair = await self._member(pair_id, user_id)
        if not await self.repo.end(pair_id):
            raise DrillError("This pair round has ended already.")
        if pair.session_id is not None and pair.candidate_id is not None:
            session = await self.mock.session(pair.session_id)
            if session is not None and session.state in OPEN_STATES:
                await self.mock.repo.abandon(session.id, pair.candidate_id, self.clock.now())
        return pair

    async def notes(self, pair_id: int, user_id: int) -> Step:
        """The current question, for the interviewer's eyes only."""
        pair = await self._member(pair_id, user_id)
        if user_id != pair.interviewer_id or pair.session_id is None:
            raise DrillError("Only the interviewer sees the notes; answer as the candidate.")
        assert pair.candidate_id is not None
        current = await self.mock.current(pair.session_id, pair.candidate_id)
        if isinstance(current, RatingDue):
            raise DrillError("Every question is answered: rate the candidate.")
        return current

    async def rate(
        self, pair_id: int, session_id: int, user_id: int, given: Mapping[str, str]
    ) -> Rated:
        """The interviewer's 1-4 ratings of the candidate's round, stored as rater 'partner'."""
        session = await self._interviewed(await self._get(pair_id), session_id, user_id)
        if session.state not in ("rating", "done"):
            raise DrillError("The candidate has not answered every question yet.")
        scores = parse_ratings(ROUNDS_BY_SLUG[session.round], given)
        if not await self.repo.rate(session_id, user_id, scores, self.clock.now()):
            raise DrillError("You rated this round already.")
        return Rated(session.user_id, scores)

    async def interviewed(self, pair_id: int, session_id: int, user_id: int) -> MockSession:
        """The candidate's round of this pair that ``user_id`` interviewed, for them to rate;
        refused to anyone else (the candidate included)."""
        pair = await self.repo.get(pair_id)
        if pair is None:
            raise DrillError(_ONLY_THE_INTERVIEWER)
        return await self._interviewed(pair, session_id, user_id)

    async def _interviewed(self, pair: Pair, session_id: int, user_id: int) -> MockSession:
        session = await self.mock.session(session_id)
        if session is None or not pair.member(user_id) or not pair.member(session.user_id) \
                or session.user_id == user_id \
                or not await self.repo.has_round(pair.id, session_id):  # fmt: skip
            raise DrillError(_ONLY_THE_INTERVIEWER)
        return session

    async def feedback(self, session_id: int, user_id: int, text: str) -> str:
        line = " ".join(text.split())
        if not line:
            raise DrillError("Empty feedback was not saved: write one line and send it again.")
        if len(line) > MAX_FEEDBACK:
            raise DrillError(f"Feedback is one line of at most {MAX_FEEDBACK} characters.")
        if not await self.repo.feedback(session_id, user_id, line):
            raise DrillError("Feedback was given already, or you did not rate this round.")
        return line

    async def finish_half_started(self, owns: Callable[[int], bool]) -> list[Pair]:
        """On start, before any press is taken: a pair accepted whose first question never went
        out (the run died between Accept and the round) is ended, in this process's guilds;
        the glue tells its two members where it happened. Returns the pairs ended."""
        ended = []
        for pair in await self.repo.half_started():
            if pair.guild_id is not None and not owns(pair.guild_id):
                continue
            if await self.repo.end(pair.id):
                ended.append(pair)
        return ended

    async def for_session(self, session_id: int) -> Pair | None:
        return await self.repo.by_session(session_id)

    async def get(self, pair_id: int) -> Pair | None:
        return await self.repo.get(pair_id)

    async def end_left(self, pair_id: int) -> bool:
        """One of the two left the server (the glue asked Discord): the pair ends, whoever
        pressed. False if it had ended already."""
        return await self.repo.end(pair_id)

    async def _get(self, pair_id: int) -> Pair:
        pair = await self.repo.get(pair_id)
        if pair is None:
            raise DrillError("This invitation is gone; start a new one with /mock start.")
        return pair

    async def _member(self, pair_id: int, user_id: int) -> Pair:
        pair = await self._get(pair_id)
        if not pair.member(user_id):
            raise DrillError("This pair round is not yours; start your own with /mock start.")
        if pair.state != "accepted":
            raise DrillError("This pair round has ended; start a new one with /mock start.")
        return pair
