"""The web board's core: switching a guild's board, handing out links, admitting them, and
the data behind each page. Pages (bot/web/pages.py) only lay it out."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.boards.service import PERIODS, Board, LeaderboardService
from bot.boards.stats import MemberReport, StatsService
from bot.clock import Clock
from bot.errors import DrillError
from bot.gaps.service import GapReport, GapService
from bot.mock import MockService
from bot.mock.service import PastRound
from bot.storage import Store
from bot.web import signing
from bot.web.names import NameBook
from bot.web.signing import BadLink, Pass

log = logging.getLogger(__name__)

OFF = "The web board is off in this server; an organiser turns it on with `/drill web on`."
NOT_SERVED = (
    "This bot does not serve the web board (its host sets DRILLBOT_WEB); nothing was changed."
)
MOCK_ROUNDS = 20


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
    def __init__(
        self,
        store: Store,
        clock: Clock,
        names: NameBook,
        leaderboard: LeaderboardService,
        stats: StatsService,
        gaps: GapService,
        mock: MockService,
        base_url: str | None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.names = names
        self.leaderboard = leaderboard
        self.stats = stats
        self.gaps_service = gaps
        self.mock = mock
        self.base_url = base_url.rstrip("/") if base_url else None

    # -- organisers -------------------------------------------------------------------------
    async def turn_on(self, guild_id: int, user_id: int, guild_name: str) -> bool:
        return await self.store.web.set_enabled(
            guild_id, user_id, True, guild_name, self.clock.now()
        )

    async def turn_off(self, guild_id: int, user_id: int, guild_name: str) -> bool:
        return await self.store.web.set_enabled(
            guild_id, user_id, False, guild_name, self.clock.now()
        )

    async def rotate(self, guild_id: int, user_id: int) -> None:
        if not await self.store.web.rotate(guild_id, user_id, self.clock.now()):
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
        """The viewer a link stands for; BadLink if it is not (or no longer) good."""
        claimed, _, _ = signing.parse(token)
        access = await self.store.web.access(claimed.guild_id)
        if access is None or not access.enabled:
            raise BadLink("board off")
        grant = signing.verify(token, access.secret, self.clock.now(), claimed.guild_id)
        return Viewer(grant, token, access.guild_name)

    # -- pages ------------------------------------------------------------------------------
    async def board(self, viewer: Viewer, period: str, topic: str | None, page: int) -> BoardPage:
        guild_id = viewer.grant.guild_id
        period = period if period in PERIODS else "week"
        topics = await self.topics(guild_id)
        if topic not in dict(topics):
            topic = None
        scope = await self.leaderboard.scope_for(guild_id, period, topic)
        board = await self.leaderboard.board(guild_id, viewer.grant.user_id, scope, page)
        ids = [r.user_id for r in board.rows] + ([board.me.user_id] if board.me else [])
        names = await self.names.names(guild_id, ids)
        return BoardPage(board, period, topic, topics, names)

    async def topics(self, guild_id: int) -> tuple[tuple[str, str], ...]:
        bank = await self.leaderboard.catalog.for_guild(guild_id)
        disabled = await self.store.guilds.disabled_topics(guild_id)
        return tuple(
            (t.slug, t.name)
            for t in sorted(bank.topics.values(), key=lambda t: t.name)
            if t.slug not in disabled
        )

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
