"""Blind answers: members answer the daily question in a modal, nobody sees the answers until
the reveal, and the reveal publishes them all together in the thread it opens.

- ``split_text``: an answer into messages within Discord's limit, at paragraph, line or word
  boundaries, code fences closed and reopened across a split; every piece is labelled
  "part k/n" by the glue, so nothing is cut silently.
- ``BlindAnswers``: the Answer button's submit (one row per member and post, edited until the
  reveal; after it, stored but not scored).
- ``BlindPublisher``: the reveal's publishing. Its plan (one row per message) is fixed in the
  database once; each row stores its nonce just before the send and its message id the moment
  Discord takes the message. A reveal that dies half-way resumes at the first row without an
  id. Only that row can have been taken unrecorded (one send at a time): it is looked for by
  its stored nonce, never by the text Discord shows, so no answer is posted twice.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.daily.publishing import AnswerPart, Publisher, nonce_for, thread_name, topic_name
from bot.errors import DrillError, Gone, MissingPermissions, PublishError
from bot.storage import Answer, DailyPost, Store
from bot.storage.blind import PlanRow
from bot.storage.streaks import KeptStreak

log = logging.getLogger(__name__)
MAX_BLIND_ANSWER = 4_000  # the modal's limit
PART_TEXT = 1_900  # Discord allows 2,000 characters a message; the glue's header needs < 100
FENCE = "```"

Outcome = Literal["stored", "edited", "late", "closed"]


@dataclass(frozen=True, slots=True)
class Submitted:
    outcome: Outcome
    reveal_at: datetime | None
    thread_id: int | None = None
    edits: int = 0
    kept: tuple[KeptStreak, ...] = ()  # streak freezes spent that the member hears of now


# -- splitting ----------------------------------------------------------------------------------
def split_text(text: str, limit: int = PART_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut where a reader expects it."""
    if limit < 40:
        raise ValueError("limit too small to split sensibly")
    text = text.strip()
    pieces: list[str] = []
    fence: str | None = None  # the opening line of a code block left open by the last piece
    while text:
        prefix = f"{fence}\n" if fence else ""
        room = limit - len(prefix) - len(FENCE) - 1  # room for a closing fence if needed
        if len(prefix) + len(text) <= limit and _open_fence(text, fence) is None:
            pieces.append(prefix + text)
            break
        cut = _cut_at(text, room)
        chunk, text = text[:cut].rstrip(), _drop_one_break(text[cut:])
        fence = _open_fence(chunk, fence)
        pieces.append(prefix + chunk + (f"\n{FENCE}" if fence else ""))
    return pieces or [""]


def _cut_at(text: str, room: int) -> int:
    """Where to cut ``text`` so the first piece fits ``room``: the last paragraph break, else
    line break, else space in the second half of the room; a hard cut only in a long word."""
    if len(text) <= room:
        return len(text)
    window = text[:room]
    for sep in ("\n\n", "\n", " "):
        at = window.rfind(sep)
        if at >= room // 2:
            return at
    return room


def _drop_one_break(rest: str) -> str:
    for sep in ("\n\n", "\n", " "):
        if rest.startswith(sep):
            return rest[len(sep) :]
    return rest


def _open_fence(chunk: str, fence: str | None) -> str | None:
    """The opening line of the code block still open at the end of ``chunk`` (None: none)."""
    for line in chunk.split("\n"):
        stripped = line.strip()
        if stripped.startswith(FENCE):
            # Reopened with its language only if that is a short word (a hostile line is not).
            lang = stripped[len(FENCE) :]
            fence = None if fence else FENCE + (lang if lang.isalnum() and len(lang) <= 20 else "")
    return fence


# -- answering ----------------------------------------------------------------------------------
class BlindAnswers:
    """What the Answer button and its modal do, without Discord."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def current(self, guild_id: int, post_id: int, user_id: int) -> str | None:
        """The member's answer so far (the modal opens with it), None if none."""
        post = await self._post(guild_id, post_id)
        return await self.store.blind.answer_text(post.id, user_id)

    async def submit(self, guild_id: int, post_id: int, user_id: int, text: str) -> Submitted:
        post = await self._post(guild_id, post_id)
        text = text.strip()
        if not text:
            raise DrillError("An empty answer was not stored: write something and submit again.")
        if len(text) > MAX_BLIND_ANSWER:
            raise DrillError(
                f"Answers are at most {MAX_BLIND_ANSWER:,} characters (yours has {len(text):,});"
                " nothing was stored."
            )
        outcome, edits = await self.store.blind.submit(
            post.id, post.guild_id, user_id, text, self.clock.now()
        )
        if outcome in ("stored", "edited"):  # the post was open: nothing about it changed
            kept = await self.store.scores.kept_streaks(post.guild_id, user_id, self.clock.now())
            return Submitted(
                cast(Outcome, outcome), post.reveal_at, post.thread_id, edits, tuple(kept)
            )
        revealed = await self.store.daily.by_id(post.id) or post  # its thread, if any, now
        return Submitted(cast(Outcome, outcome), revealed.reveal_at, revealed.thread_id, edits)

    async def _post(self, guild_id: int, post_id: int) -> DailyPost:
        post = await self.store.daily.by_id(post_id)
        if post is None or post.guild_id != guild_id or not post.blind:
            raise DrillError("That question is not this server's blind question.")
        # A press on a post still 'pending' is a member faster than the bot: Discord has the
        # message (its button was pressed) before the bot stored that it was sent.
        return post


# -- publishing at the reveal -------------------------------------------------------------------
class BlindPublisher:
    """Open the reveal's thread and publish every answer in it, exactly once."""

    def __init__(self, store: Store, catalog: Catalog, publisher: Publisher, clock: Clock) -> None:
        self.store = store
        self.catalog = catalog
        self.publisher = publisher
        self.clock = clock

    async def open_thread(self, post: DailyPost) -> DailyPost | None:
        """The post's discussion thread, opened once (a thread Discord opened just before a
        crash is found under the post). None: try again later. A channel that refuses threads
        gets the answers as messages in the channel."""
        if post.thread_id is not None or post.message_id is None:
            return post
        try:
            thread_id = await self.publisher.thread_of(post.channel_id, post.message_id)
            if thread_id is None:
                bank = await self.catalog.for_guild(post.guild_id)
                name = thread_name(post.local_date, topic_name(bank, post.topic))
                thread_id = await self.publisher.start_thread(
                    post.channel_id, post.message_id, name
                )
        except (MissingPermissions, Gone) as exc:
            log.warning("no thread for blind post %s, publishing in the channel: %s", post.id, exc)
            return post
        except PublishError as exc:
            log.warning("opening the thread of blind post %s failed, will retry: %s", post.id, exc)
            return None
        await self.store.daily.set_thread(post.id, thread_id)
        return dataclasses.replace(post, thread_id=thread_id)

    async def publish(self, post: DailyPost) -> bool:
        """Every answer of the post, in the order given, each message once. False: retry."""
        where = post.thread_id or post.channel_id
        # Deleted ones too: a published first part removed by a moderator mid-publish marks
        # its answer deleted, and the rest of it still goes out as planned. Answers are frozen
        # once the reveal is claimed, so the pieces are the plan's.
        answers = await self.store.answers.for_post(post.id, include_deleted=True)
        pieces = {a.id: split_text(a.content) for a in answers}
        plan = await self.store.blind.plan(post.id)
        resumed = bool(plan)
        if not plan:
            # Answers given after the claim were told "not scored or posted": so they are not.
            late = await self.store.blind.late_answers(post.id)
            live = [a for a in answers if a.deleted_at is None and a.id not in late]
            plan = await self.store.blind.make_plan(post.id, _rows(post, live, pieces))
        pending = [row for row in plan if row.message_id is None]
        if not pending:
            return True
        of = len({row.seq for row in plan})
        try:
            if resumed and await self._found(post, where, plan, pending[0]):
                pending = pending[1:]
            for row in pending:
                text = pieces[row.answer_id][row.part - 1] if row.answer_id in pieces else ""
                part = AnswerPart(row.seq, of, row.part, row.parts, row.user_id, text, row.late)
                nonce = row.nonce or _nonce(post, row)
                if row.nonce is None:  # before the send: from here on it may be on Discord
                    await self.store.blind.mark_sending(post.id, row.seq, row.part, nonce)
                message_id = await self.publisher.send_answer_part(where, part, nonce)
                await self.store.blind.mark_sent(post.id, row.seq, row.part, message_id)
        except PublishError as exc:
            log.warning("publishing the answers of post %s stopped, will resume: %s", post.id, exc)
            return False
        return True

    async def _found(self, post: DailyPost, where: int, plan: list[PlanRow], row: PlanRow) -> bool:
        """Whether the first row without an id went out before a crash: recorded, not resent.

        Parts go out one at a time, each id stored before the next send, so only this row can
        be on Discord unrecorded, and only if its nonce was stored. It is the bot's message
        carrying that nonce after the last recorded part; where Discord no longer shows nonces
        (it keeps them minutes), in the reveal's own thread, the bot's first message after that
        part (nothing else of the bot's goes there meanwhile)."""
        if row.nonce is None:
            return False
        sent = [r.message_id for r in plan if r.message_id is not None]
        after = max(sent) if sent else (post.message_id or 0)
        own_thread = post.thread_id is not None and where == post.thread_id
        message_id = await self.publisher.find_sent(where, after, row.nonce, own_thread=own_thread)
        if message_id is None:
            return False
        log.info("post %s: answer %s part %s was already out", post.id, row.seq, row.part)
        await self.store.blind.mark_sent(post.id, row.seq, row.part, message_id)
        return True


def _nonce(post: DailyPost, row: PlanRow) -> str:
    return nonce_for(post.guild_id, post.local_date, f"b{row.seq}.{row.part}")


def _rows(post: DailyPost, answers: list[Answer], pieces: dict[int, list[str]]) -> list[PlanRow]:
    """The publishing plan: answers in the order first given, each in its pieces."""
    rows: list[PlanRow] = []
    for seq, answer in enumerate(sorted(answers, key=lambda a: a.created_at), start=1):
        late = post.reveal_at is not None and answer.created_at > post.reveal_at
        count = len(pieces[answer.id])
        for part in range(1, count + 1):
            rows.append(PlanRow(seq, part, count, answer.id, answer.user_id, late, None))
    return rows
