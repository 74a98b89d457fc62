"""The web board's core: switching a guild's board, handing out links, admitting them, and
the data behind each page. Pages (bot/web/pages.py) only lay it out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from time import monotonic  # a name of its own: tests move it, not asyncio's clock
from typing import Any, TypeVar, cast

from bot.boards.service import PERIODS, Board, LeaderboardService
from bot.boards.service import _live as live_row  # a stored streak, zeroed if broken
from bot.boards.stats import MemberReport, StatsService
from bot.clock import Clock
from bot.errors import DrillError
from bot.gaps.service import GapReport, GapService
from bot.mock import MockService
from bot.mock.service import PastRound
from bot.storage import Store
from bot.storage.boards import BoardRow
from bot.storage.reader import close_reader
from bot.web import signing
from bot.web.names import NameBook
from bot.web.signing import BadLink, Pass

log = logging.getLogger(__name__)

OFF = "The web board is off in this server; an organiser turns it on with `/drill web on`."
NOT_SERVED = (
    "This bot does not serve the web board (its host sets DRILLBOT_WEB); nothing was changed."
)
MOCK_ROUNDS = 20
FRESH = 2.0  # seconds a board's shared parts (scope, rows, title) and a guild's switch are kept
STALE = 10.0  # seconds a board's shared parts may be served while a read refreshes them
CACHE_KEEP = 4096
NOBODY = 0  # the shared board is read as nobody in particular; the viewer's row is added after
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    expires: datetime
    organiser: bool


@dataclass(frozen=True, slots=True)
class Viewer:
    grant: Pass
    token: str
    guild_name: str


@dataclass(frozen=True, slots=True)
class BoardPage:
    board: Board
    period: str
    topic: str | None
    topics: tuple[tuple[str, str], ...]  # (slug, name)
    names: dict[int, str]


@dataclass(frozen=True, slots=True)
class Progress:
    report: MemberReport
    rounds: tuple[PastRound, ...]  # oldest first
    name: str | None


class WebBoards:
    """``store`` takes the writes (the switch, the secret, names); ``reads`` is what pages read
    through (bot/storage/reader.py: a read-only connection of its own on SQLite), and the
    services passed in are built on it."""

    def __init__(
        self,
        store: Store,
        reads: Store,
        clock: Clock,
        names: NameBook,
        leaderboard: LeaderboardService,
        stats: StatsService,
        gaps: GapService,
        mock: MockService,
        base_url: str | None,
    ) -> None:
        self.store = store
        self.reads = reads
        self.clock = clock
        self.names = names
        self.leaderboard = leaderboard
        self.stats = stats
        self.gaps_service = gaps
        self.mock = mock
        self.base_url = base_url.rstrip("/") if base_url else None
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._reading: dict[tuple[Any, ...], asyncio.Task[Any]] = {}
        self._generation: dict[int, int] = {}  # per guild: bumped by on, off and rotate

    async def close(self) -> None:
        """Let reads under way finish, then close the page reader (when it is not the store)."""
        await asyncio.gather(*self._reading.values(), return_exceptions=True)
        await close_reader(self.reads, self.store)

    # -- organisers -------------------------------------------------------------------------
    def _changed(self, guild_id: int) -> None:
        self._generation[guild_id] = self._generation.get(guild_id, 0) + 1
        self._cache.pop(("access", guild_id), None)
        self._reading.pop(("access", guild_id), None)  # a read begun before it: not waited on

    async def turn_on(self, guild_id: int, user_id: int, guild_name: str) -> bool:
        try:
            return await self.store.web.set_enabled(
                guild_id, user_id, True, guild_name, self.clock.now()
            )
        finally:
            self._changed(guild_id)

    async def turn_off(self, guild_id: int, user_id: int, guild_name: str) -> bool:
        try:
            return await self.store.web.set_enabled(
                guild_id, user_id, False, guild_name, self.clock.now()
            )
        finally:
            self._changed(guild_id)

    async def rotate(self, guild_id: int, user_id: int) -> None:
        rotated = await self.store.web.rotate(guild_id, user_id, self.clock.now())
        self._changed(guild_id)
        if not rotated:
            raise DrillError("This server never had a web board; `/drill web on` starts one.")

    # -- links ------------------------------------------------------------------------------
    async def link(self, guild_id: int, user_id: int, organiser: bool, guild_name: str) -> Link:
        if self.base_url is None:
            raise DrillError(NOT_SERVED)
        access = await self.store.web.access(guild_id)
        if access is None or not access.enabled:
            raise DrillError(OFF)
        if guild_name and guild_name != access.guild_name:
            await self.store.web.set_guild_name(guild_id, guild_name)
        now = self.clock.now()
        grant = Pass(guild_id, user_id, "organiser" if organiser else "member", signing.expiry(now))
        token = signing.sign(grant, access.secret)
        return Link(
            f"{self.base_url}/w/{token}/", datetime.fromtimestamp(grant.expires, UTC), organiser
        )

    async def admit(self, token: str) -> Viewer:
        """The viewer a link stands for; BadLink if it is not (or no longer) good. The switch
        and secret are cached ``FRESH`` seconds: changes made here apply at once, those made
        by another process (shards) within that time."""
        claimed, _, _ = signing.parse(token)
        guild_id = claimed.guild_id
        # Through the store, not ``reads``: a read by primary key that SQLite runs inline (on
        # the loop's thread, no trip to a reader thread) when the cached switch is too old.
        access = await self._shared(
            ("access", guild_id), lambda: self.store.web.access(guild_id), stale=False
        )
        if access is None or not access.enabled:
            raise BadLink("board off")
        grant = signing.verify(token, access.secret, self.clock.now(), claimed.guild_id)
        return Viewer(grant, token, access.guild_name)

    # -- pages ------------------------------------------------------------------------------
    async def board(self, viewer: Viewer, period: str, topic: str | None, page: int) -> BoardPage:
        """A board page. The parts every viewer shares (its scope, rows and their names, title)
        come from ``_shared``, as does the viewer's own row when it is not among them; who is
        hidden is read on every request (by primary key, on the loop's thread), so a member
        who hides never shows, cached or not. Under load a page awaits no thread (issue 29)."""
        guild_id, user_id = viewer.grant.guild_id, viewer.grant.user_id
        period = period if period in PERIODS else "week"
        topics = await self.topics(guild_id)
        if topic not in dict(topics):
            topic = None
        scope = await self._shared(
            ("scope", guild_id, period, topic),
            lambda: self.leaderboard.scope_for(guild_id, period, topic),
        )
        shared, names = await self._shared(
            ("board", guild_id, scope, page), lambda: self._named_board(guild_id, scope, page)
        )
        ids = [r.user_id for r in shared.rows]
        hidden = await self.names.hidden(guild_id, [*ids, user_id])
        rows = tuple(r for r in shared.rows if r.user_id not in hidden)
        me = next((r for r in rows if r.user_id == user_id), None)
        if me is None and user_id not in hidden:
            mine = await self._shared(
                ("rank", guild_id, scope, user_id), lambda: self._rank(guild_id, scope, user_id)
            )
            if mine is not None:
                me, name = mine
                names = {**names, user_id: name} if name is not None else names
        board = replace(shared, rows=rows, me=me, viewer_hidden=user_id in hidden)
        return BoardPage(
            board, period, topic, topics, self.names.pending(guild_id, names, [*ids, user_id])
        )

    async def _named_board(
        self, guild_id: int, scope: str, page: int
    ) -> tuple[Board, dict[int, str]]:
        board = await self.leaderboard.board(guild_id, NOBODY, scope, page)
        return board, await self.reads.web.names(guild_id, [r.user_id for r in board.rows])

    async def topics(self, guild_id: int) -> tuple[tuple[str, str], ...]:
        async def read() -> tuple[tuple[str, str], ...]:
            bank = await self.leaderboard.catalog.for_guild(guild_id)
            disabled = await self.reads.guilds.disabled_topics(guild_id)
            return tuple(
                (t.slug, t.name)
                for t in sorted(bank.topics.values(), key=lambda t: t.name)
                if t.slug not in disabled
            )

        return await self._shared(("topics", guild_id), read)

    async def _rank(
        self, guild_id: int, scope: str, user_id: int
    ) -> tuple[BoardRow, str | None] | None:
        """The member's row on a board (streak as it stands now) and their stored name."""
        mine = await self.reads.boards.rank(guild_id, scope, user_id)
        if mine is None:
            return None
        row = live_row(mine, await self._last_revealed(guild_id))
        return row, (await self.reads.web.names(guild_id, [user_id])).get(user_id)

    async def _last_revealed(self, guild_id: int) -> str | None:
        return await self._shared(
            ("revealed", guild_id), lambda: self.reads.boards.last_revealed_date(guild_id)
        )

    async def _shared(
        self, key: tuple[Any, ...], read: Callable[[], Awaitable[T]], *, stale: bool = True
    ) -> T:
        """``read()``'s value, kept ``FRESH`` seconds per ``key`` (whose second item is the
        guild). One read at a time per key, however many requests ask. Past ``FRESH`` (and up
        to ``STALE`` seconds) a ``stale`` value is served while one read in the background
        refreshes it, so no request waits for a board's queries under load (issue 29)."""
        found = self._cache.get(key)
        if found is not None:
            age = monotonic() - found[0]
            if age < FRESH:
                return cast(T, found[1])
            if stale and age < STALE:
                self._read(key, read)
                return cast(T, found[1])
        return cast(T, await asyncio.shield(self._read(key, read)))

    def _read(self, key: tuple[Any, ...], read: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        task = self._reading.get(key)
        if task is None:
            task = asyncio.create_task(self._fill(key, read), name="web-read")
            self._reading[key] = task
            task.add_done_callback(lambda done: self._read_done(key, done))
        return task

    def _read_done(self, key: tuple[Any, ...], task: asyncio.Task[Any]) -> None:
        if self._reading.get(key) is task:
            del self._reading[key]
        if not task.cancelled() and task.exception() is not None:  # retrieved: its waiters see it
            log.debug("web read %s failed: %r", key[0], task.exception())

    async def _fill(self, key: tuple[Any, ...], read: Callable[[], Awaitable[T]]) -> T:
        generation = self._generation.get(key[1], 0)
        started = monotonic()
        value = await read()
        if self._generation.get(key[1], 0) == generation:  # no on, off or rotate meanwhile
            if len(self._cache) >= CACHE_KEEP:
                self._cache.clear()
            self._cache[key] = (started, value)
        return value

    async def progress(self, viewer: Viewer) -> Progress:
        guild_id, user_id = viewer.grant.guild_id, viewer.grant.user_id
        report = await self.stats.report(guild_id, user_id)
        rounds = await self.mock.history(user_id, limit=MOCK_ROUNDS)
        name = (await self.names.names(guild_id, [user_id])).get(user_id)
        return Progress(report, tuple(reversed(rounds)), name)

    async def gaps(self, viewer: Viewer) -> tuple[GapReport, dict[int, str]]:
        """The gap heatmap, and the names of the members it suggests asking (never hidden)."""
        if not viewer.grant.organiser:
            raise BadLink("not an organiser link")
        report = await self.gaps_service.report(viewer.grant.guild_id)
        asked = sorted({a.ask for a in (*report.topics, *report.signals) if a.ask is not None})
        return report, await self.names.names(viewer.grant.guild_id, asked)
