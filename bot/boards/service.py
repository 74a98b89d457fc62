"""Boards, seasons, away days, stars and best answers: the leaderboard core, no Discord.

A board is one ``score_totals`` scope (see bot/storage/scores.py): which one follows from the
period asked for, today's date in the guild's timezone, the organisers' first day of the week
and the current season. Its custom ids carry the scope itself, so a page pressed next week still
shows the board it was opened on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from dataclasses import dataclass
from datetime import date

from bot import schedule
from bot.bank import UnknownTopic
from bot.bank.catalog import Catalog
from bot.boards import scoring
from bot.boards.export import DISCORD_UPLOAD, Export, export_csv
from bot.clock import Clock
from bot.errors import DrillError
from bot.storage import Store
from bot.storage.boards import BoardRow, Season
from bot.storage.scores import Credit

log = logging.getLogger(__name__)

PAGE = 10
MAX_PAGE = 1000
PERIODS = ("week", "month", "season", "all")
SEASON_NAME_MAX = 80
_SCOPE = re.compile(r"(t:[a-z0-9_-]{1,40}\|)?(all|w:\d{4}-\d\d-\d\d|m:\d{4}-\d\d|s:\d{1,6})")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Board:
    scope: str
    title: str
    page: int
    rows: tuple[BoardRow, ...]
    me: BoardRow | None
    has_next: bool
    viewer_hidden: bool = False  # the member asking is hidden from the boards


def month_back(today: date, back: int) -> str:
    index = today.year * 12 + today.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def describe(scope: str, seasons: dict[int, str], topics: dict[str, str]) -> str:
    """A board's title from its scope, e.g. 't:cicd|w:2026-03-02' -> 'CI/CD, week of ...'."""
    topic = None
    if scope.startswith("t:"):
        topic, scope = scope[2:].split("|", 1)
    if scope == "all":
        text = "All time"
    elif scope.startswith("w:"):
        text = f"Week of {scope[2:]}"
    elif scope.startswith("m:"):
        text = f"Month {scope[2:]}"
    else:
        number = int(scope[2:])
        text = f"Season {number}: {seasons[number]}" if number in seasons else "Before seasons"
    return f"{topics.get(topic, topic)} · {text}" if topic else text


def valid_scope(scope: str) -> bool:
    """Custom ids arrive from outside: accept only the shapes this module writes."""
    return _SCOPE.fullmatch(scope) is not None


class LeaderboardService:
    def __init__(self, store: Store, catalog: Catalog, clock: Clock) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock

    async def export(
        self,
        guild_id: int,
        *,
        limit: int = DISCORD_UPLOAD,
        since: str | None = None,
        raw_reason: str | None = None,
        organiser_id: int = 0,
    ) -> Export:
        """The guild's CSV export, in a temporary file (organisers only: the cog checks)."""
        return await export_csv(
            self.store, guild_id, (await self.today(guild_id)).isoformat(), limit=limit,
            since=since, raw_reason=raw_reason, organiser_id=organiser_id, now=self.clock.now(),
        )  # fmt: skip

    async def today(self, guild_id: int) -> date:
        settings = await self.store.guilds.get_or_default(guild_id)
        return schedule.local_date(settings, self.clock.now())

    async def scope_for(
        self, guild_id: int, period: str, topic: str | None = None, back: int = 0
    ) -> str:
        if period not in PERIODS:
            raise DrillError(f"Choose a period: {', '.join(PERIODS)}.")
        if not 0 <= back <= 520:
            raise DrillError("Go back at most 520 periods.")
        slug = await self.topic_slug(guild_id, topic) if topic else None
        today = await self.today(guild_id)
        if period == "all":
            scope = "all"
        elif period == "week":
            week_start = await self._week_start(guild_id)
            start = date.fromisoformat(schedule.week_of(today.isoformat(), week_start))
            scope = f"w:{date.fromordinal(start.toordinal() - 7 * back).isoformat()}"
        elif period == "month":
            scope = f"m:{month_back(today, back)}"
        else:
            seasons = await self.store.boards.seasons(guild_id)
            current = seasons[-1].number if seasons else 0
            scope = f"s:{max(0, current - back)}"
        return f"t:{slug}|{scope}" if slug else scope

    async def _week_start(self, guild_id: int) -> int:
        return (await self.store.boards.settings(guild_id)).week_start

    async def topic_slug(self, guild_id: int, text: str) -> str:
        bank = await self.catalog.for_guild(guild_id)
        try:
            return bank.resolve_topic(text[:100]).slug
        except UnknownTopic as exc:
            raise DrillError(str(exc)[:1800]) from None

    async def board(self, guild_id: int, user_id: int, scope: str, page: int = 0) -> Board:
        if not valid_scope(scope) or not 0 <= page <= MAX_PAGE:
            raise DrillError("That board does not exist; run /leaderboard again.")
        rows = await self.store.boards.top(guild_id, scope, limit=PAGE + 1, offset=page * PAGE)
        last = await self.store.boards.last_revealed_date(guild_id)
        rows = [_live(r, last) for r in rows]
        me = None
        hidden = await self.store.boards.is_hidden(guild_id, user_id)
        if not hidden:
            mine = await self.store.boards.rank(guild_id, scope, user_id)
            me = _live(mine, last) if mine else None
        title = await self.title(guild_id, scope)
        return Board(scope, title, page, tuple(rows[:PAGE]), me, len(rows) > PAGE, hidden)

    async def title(self, guild_id: int, scope: str) -> str:
        seasons = {s.number: s.name for s in await self.store.boards.seasons(guild_id)}
        bank = await self.catalog.for_guild(guild_id)
        return describe(scope, seasons, {t.slug: t.name for t in bank.topics.values()})

    # -- organisers -------------------------------------------------------------------------
    async def new_season(self, guild_id: int, user_id: int, name: str) -> Season:
        clean = " ".join(name.split())
        if not clean:
            raise DrillError("Give the season a name, e.g. `Spring 2026`.")
        if len(clean) > SEASON_NAME_MAX:
            raise DrillError(
                f"Season names are at most {SEASON_NAME_MAX} characters (that one has "
                f"{len(clean)}); nothing was changed."
            )
        return await self.store.boards.new_season(guild_id, user_id, clean, self.clock.now())

    async def set_week_start(self, guild_id: int, user_id: int, day: str) -> str:
        key = day.strip().lower()
        found = [i for i, name in enumerate(WEEKDAYS) if key and name.startswith(key[:3])]
        if not found:
            raise DrillError("Weeks start on a weekday: monday ... sunday.")
        if await self.store.boards.set_week_start(guild_id, user_id, found[0], self.clock.now()):
            # Week boards are keyed by their first day: re-key them from the ledger.
            await self.store.scores.rebuild_totals(guild_id)
        return WEEKDAYS[found[0]]

    async def mark_best(self, guild_id: int, message_id: int, organiser_id: int) -> Credit:
        result = await self.store.scores.credit(
            guild_id=guild_id,
            # A blind answer is published by the bot, maybe over several messages: any of
            # them stands for the answer (and its author, not the bot, gets the credit).
            message_id=await self.store.blind.answer_message(message_id),
            giver_id=organiser_id,
            kind="best",
            points=scoring.BEST_POINTS,
            cap=1,
            now=self.clock.now(),
        )
        if result.outcome == "not_answer":
            raise DrillError("Only an answer in a daily question's thread can be the best answer.")
        return result

    # -- members ----------------------------------------------------------------------------
    async def star(self, guild_id: int, message_id: int, giver_id: int, emoji: str) -> Credit:
        settings = await self.store.boards.settings(guild_id)
        if emoji != settings.star_emoji:
            return Credit("not_star")
        return await self.store.scores.credit(
            guild_id=guild_id,
            message_id=await self.store.blind.answer_message(message_id),
            giver_id=giver_id,
            kind="star",
            points=scoring.STAR_POINTS,
            cap=scoring.STAR_CAP,
            now=self.clock.now(),
            star=scoring.star_outcome,
        )

    async def away(self, guild_id: int, user_id: int, days: int) -> tuple[list[str], int, int]:
        """Declare away days from today; returns (dates added, refused by the cap, the cap)."""
        dates = scoring.away_dates(await self.today(guild_id), days)
        cap = (await self.store.boards.settings(guild_id)).away_per_month
        added, refused = await self.store.boards.add_away(
            guild_id, user_id, dates, cap, self.clock.now()
        )
        return added, refused, cap


def _live(row: BoardRow, last_revealed: str | None) -> BoardRow:
    """The stored streak, zeroed if the member missed the latest revealed post."""
    if row.last_answer_date is None or (last_revealed and row.last_answer_date < last_revealed):
        return dataclasses.replace(row, streak=0)
    return row


class PageTurns:
    """Page presses per board message, numbered in the order they arrive, so the newest
    press's page is the one left showing when presses finish out of order (the last 1,000
    boards are remembered; a board older than that shows whichever press ends last)."""

    KEEP = 1_000

    def __init__(self) -> None:
        self._latest: dict[int, int] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def press(self, message_id: int) -> int:
        number = self._latest.pop(message_id, 0) + 1
        self._latest[message_id] = number  # re-inserted: the dict keeps boards by recency
        while len(self._latest) > self.KEEP:
            oldest = next(iter(self._latest))
            del self._latest[oldest]
            self._locks.pop(oldest, None)
        return number

    def is_latest(self, message_id: int, number: int) -> bool:
        return self._latest.get(message_id, number) == number

    def turn(self, message_id: int) -> asyncio.Lock:
        return self._locks.setdefault(message_id, asyncio.Lock())
