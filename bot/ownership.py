"""Who may press what: every custom id the bot hands out, and the check that the thing it names
belongs to the guild (and, where it is personal, the member) the press came from.

A custom id is text a client sends back, so anyone can send any id: another server's post, a
stranger's session. Every button and modal of the bot is listed in ``KINDS`` with the check
for the ids it carries; the glue runs ``verify`` on every press and submit before anything
else (cogs/owned.py), and an id of ours that no kind knows is refused. A test enumerates the
ids the glue builds and fails on one that is not listed here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.errors import DrillError
from bot.storage import Store

PREFIX = "drill:"
NOT_YOURS = "That button is not for you here: it belongs to another member or server."
NOT_MINE = "That button is not one of mine any more; nothing changed."
GONE = "That is gone or belongs to another server; nothing changed."

Check = Callable[[Store, "re.Match[str]", int | None, int], Awaitable[None]]


class NotYours(DrillError):
    """A press or submit naming something of another guild or member."""


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    pattern: re.Pattern[str]
    check: Check
    sample: str  # an id of this kind, for the test that enumerates them
    modal: bool = False


async def _quiz_session(store: Store, m: re.Match[str], guild_id: int | None, user_id: int) -> None:
    session = await store.practice.session(int(m["sid"]))
    if session is None or session.guild_id != guild_id:
        raise NotYours(GONE)
    if session.user_id != user_id:
        raise NotYours("That question belongs to someone else: run /quiz to get your own.")


async def _daily_post(store: Store, m: re.Match[str], guild_id: int | None, user_id: int) -> None:
    post = await store.daily.by_id(int(m["post"]))
    if post is None or guild_id is None or post.guild_id != guild_id:
        raise NotYours(GONE)


async def _forget(store: Store, m: re.Match[str], guild_id: int | None, user_id: int) -> None:
    owner = await store.boards.forget_owner(int(m["rid"]))
    if owner is None or owner != (guild_id, user_id):
        raise NotYours("Nothing to confirm: that request is not yours.")


async def _mock_session(store: Store, m: re.Match[str], guild_id: int | None, user_id: int) -> None:
    session = await store.mock.session(int(m["sid"]))
    if session is None or session.guild_id != guild_id:
        raise NotYours(GONE)
    if session.user_id != user_id:
        raise NotYours("This mock round is not yours; start your own with /mock start.")


async def _pair(store: Store, m: re.Match[str], guild_id: int | None, user_id: int) -> None:
    pair = await store.mock_pairs.get(int(m["pid"]))
    if pair is None or pair.guild_id != guild_id:
        raise NotYours(GONE)
    if not pair.member(user_id):
        raise NotYours("This invitation is for someone else; start your own with /mock start.")


async def _pair_round(store: Store, m: re.Match[str], guild_id: int | None, user_id: int) -> None:
    """The interviewer of one of the pair's rounds (never the candidate, never a solo round)."""
    await _pair(store, m, guild_id, user_id)
    session = await store.mock.session(int(m["sid"]))
    of_pair = await store.mock_pairs.has_round(int(m["pid"]), int(m["sid"]))
    if session is None or not of_pair or session.user_id == user_id:
        raise NotYours("Only the interviewer of this round rates the candidate.")


async def _anyone(store: Store, m: re.Match[str], guild_id: int | None, user_id: int) -> None:
    """Ids that name nothing stored: the guild and member come from the press itself."""


def _kind(name: str, pattern: str, sample: str, check: Check, *, modal: bool = False) -> Kind:
    kind = Kind(name, re.compile(PREFIX + pattern), check, PREFIX + sample, modal)
    assert kind.pattern.fullmatch(kind.sample), name
    return kind


_ID = r"\d{1,20}"
KINDS: tuple[Kind, ...] = (
    _kind("quiz.answer", rf"quiz:answer:(?P<sid>{_ID})", "quiz:answer:1", _quiz_session),
    _kind("quiz.notes", rf"quiz:notes:(?P<sid>{_ID})", "quiz:notes:1", _quiz_session),
    _kind("quiz.skip", rf"quiz:skip:(?P<sid>{_ID})", "quiz:skip:1", _quiz_session),
    _kind("quiz.levels", rf"quiz:levels:(?P<sid>{_ID})", "quiz:levels:1", _quiz_session),
    _kind("quiz.grade", rf"grade:(?P<sid>{_ID}):[1-4]", "grade:1:3", _quiz_session),
    _kind("quiz.report", rf"report:(?P<sid>{_ID})", "report:1", _quiz_session),
    _kind(
        "quiz.answer-modal",
        rf"quiz:modal:(?P<sid>{_ID})",
        "quiz:modal:1",
        _quiz_session,
        modal=True,
    ),
    _kind(
        "quiz.report-modal",
        rf"report:modal:(?P<sid>{_ID})",
        "report:modal:1",
        _quiz_session,
        modal=True,
    ),
    _kind("quiz.check", rf"check:quiz:(?P<sid>{_ID})", "check:quiz:1", _quiz_session),
    _kind(
        "quiz.check-modal",
        rf"check:modal:quiz:(?P<sid>{_ID})",
        "check:modal:quiz:1",
        _quiz_session,
        modal=True,
    ),
    _kind("daily.grade", rf"daily:grade:(?P<post>{_ID}):[1-4]", "daily:grade:1:3", _daily_post),
    _kind("daily.check", rf"check:daily:(?P<post>{_ID})", "check:daily:1", _daily_post),
    _kind(
        "daily.check-modal",
        rf"check:modal:daily:(?P<post>{_ID})",
        "check:modal:daily:1",
        _daily_post,
        modal=True,
    ),
    _kind("daily.report", rf"daily:report:(?P<post>{_ID})", "daily:report:1", _daily_post),
    _kind("daily.model", rf"daily:model:(?P<post>{_ID})", "daily:model:1", _daily_post),
    _kind(
        "daily.report-modal",
        rf"daily:report:modal:(?P<post>{_ID})",
        "daily:report:modal:1",
        _daily_post,
        modal=True,
    ),
    _kind("blind.answer", rf"blind:answer:(?P<post>{_ID})", "blind:answer:1", _daily_post),
    _kind("blind.modal", rf"blind:modal:(?P<post>{_ID})", "blind:modal:1", _daily_post, modal=True),
    _kind("board.page", r"board:\d{1,4}:\S{1,80}", "board:2:w", _anyone),
    _kind("forget", rf"forget:(?:yes|no):(?P<rid>{_ID})", "forget:yes:1", _forget),
    _kind(
        "mock.answer",
        rf"mock:answer:(?P<sid>{_ID}):\d{{1,3}}:\d{{1,3}}",
        "mock:answer:1:0:0",
        _mock_session,
    ),
    _kind("mock.rate", rf"mock:rate:(?P<sid>{_ID})", "mock:rate:1", _mock_session),
    _kind("mock.abandon", rf"mock:abandon:(?P<sid>{_ID})", "mock:abandon:1", _mock_session),
    _kind(
        "mock.answer-modal",
        rf"mock:modal:(?P<sid>{_ID}):\d{{1,3}}:\d{{1,3}}",
        "mock:modal:1:0:0",
        _mock_session,
        modal=True,
    ),
    _kind(
        "mock.ratings-modal",
        rf"mock:ratings:(?P<sid>{_ID})",
        "mock:ratings:1",
        _mock_session,
        modal=True,
    ),
    _kind(
        "pair.press",
        rf"mock:pair:(?:accept|decline|notes|swap|end):(?P<pid>{_ID})",
        "mock:pair:end:1",
        _pair,
    ),
    _kind(
        "pair.rate",
        rf"mock:pair:(?:rate|fb):(?P<pid>{_ID}):(?P<sid>{_ID})",
        "mock:pair:rate:1:2",
        _pair_round,
    ),
    _kind(
        "pair.rate-modal",
        rf"mock:pair:ratings:(?P<pid>{_ID}):(?P<sid>{_ID})",
        "mock:pair:ratings:1:2",
        _pair_round,
        modal=True,
    ),
    _kind(
        "pair.feedback-modal",
        rf"mock:pair:feedback:(?P<pid>{_ID}):(?P<sid>{_ID})",
        "mock:pair:feedback:1:2",
        _pair_round,
        modal=True,
    ),
)


def kind_of(custom_id: str) -> Kind | None:
    for kind in KINDS:
        if kind.pattern.fullmatch(custom_id):
            return kind
    return None


async def verify(store: Store, custom_id: str, guild_id: int | None, user_id: int) -> None:
    """Raise NotYours unless the press may act on what ``custom_id`` names. Ids that are not
    ours (no ``drill:`` prefix) are left to whoever owns them."""
    if not custom_id.startswith(PREFIX):
        return
    for kind in KINDS:
        match = kind.pattern.fullmatch(custom_id)
        if match is not None:
            await kind.check(store, match, guild_id, user_id)
            return
    raise NotYours(NOT_MINE)


async def verify_kind(
    store: Store, kind: Kind, custom_id: str, guild_id: int | None, user_id: int
) -> None:
    """``verify`` for a press whose kind its button declares (cogs/buttons.py)."""
    match = kind.pattern.fullmatch(custom_id)
    if match is None:
        raise NotYours(NOT_MINE)
    await kind.check(store, match, guild_id, user_id)


class Ownership:
    """The checks above over the app's store, for the glue (cogs/owned.py): a cog calls this,
    never the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def verify(self, custom_id: str, guild_id: int | None, user_id: int) -> None:
        await verify(self._store, custom_id, guild_id, user_id)

    async def verify_kind(
        self, kind: Kind, custom_id: str, guild_id: int | None, user_id: int
    ) -> None:
        await verify_kind(self._store, kind, custom_id, guild_id, user_id)
