"""A member's statistics for /stats: totals, streaks, per-topic work, 12 weeks of activity."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from bot import schedule
from bot.bank.catalog import Catalog
from bot.boards import scoring
from bot.clock import Clock
from bot.storage import Store

WEEKS = 12


@dataclass(frozen=True, slots=True)
class TopicStat:
    slug: str
    name: str
    answers: int  # daily answers
    practice: int  # practice sessions answered
    average_grade: float | None  # self-grades 1 (Again) ... 4 (Easy)


@dataclass(frozen=True, slots=True)
class WeekStat:
    start: str
    answers: int
    practice: int


@dataclass(frozen=True, slots=True)
class MemberReport:
    user_id: int
    points: int
    answers: int
    streak: int
    best_streak: int
    rank: int | None
    practice: int
    topics: tuple[TopicStat, ...]
    weeks: tuple[WeekStat, ...]
    freezes: int = 0  # streak freezes held
    freezes_used: int = 0


class StatsService:
    def __init__(self, store: Store, catalog: Catalog, clock: Clock) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock

    async def report(self, guild_id: int | None, user_id: int) -> MemberReport:
        """A member's report in a server; ``guild_id`` None: the practice they did outside any
        server (a DM, a server without drillbot), with no boards and the built-in bank."""
        practice = await self.store.history.practice(guild_id, user_id)
        bank = await self.catalog.for_guild(guild_id)
        guild_id = guild_id or 0  # no server has id 0: its boards read empty
        settings = await self.store.guilds.get_or_default(guild_id)
        today = schedule.local_date(settings, self.clock.now())
        week_start = (await self.store.boards.settings(guild_id)).week_start
        stats = await self.store.scores.stats(guild_id, user_id)
        last = await self.store.boards.last_revealed_date(guild_id)
        mine = await self.store.boards.member_scopes(guild_id, user_id)
        ranked = await self.store.boards.rank(guild_id, "all", user_id)

        grades: dict[str, list[int]] = defaultdict(list)
        practised: Counter[str] = Counter()
        per_week: Counter[str] = Counter()
        for question_id, grade, shown_at in practice:
            question = bank.lookup(question_id)
            topic = question.topic if question else "unknown"
            practised[topic] += 1
            if grade is not None:
                grades[topic].append(grade)
            local = schedule.day_in(settings.timezone, shown_at)
            per_week[schedule.week_of(local.isoformat(), week_start)] += 1
        daily = {
            s[2:-4]: a for s, (_p, a) in mine.items() if s.startswith("t:") and s[-4:] == "|all"
        }
        names = {t.slug: t.name for t in bank.topics.values()}
        topics = tuple(
            TopicStat(
                slug,
                names.get(slug, slug),
                daily.get(slug, 0),
                practised[slug],
                sum(grades[slug]) / len(grades[slug]) if grades[slug] else None,
            )
            for slug in sorted(set(daily) | set(practised), key=lambda s: names.get(s, s))
        )
        return MemberReport(
            user_id=user_id,
            points=stats.points if stats else 0,
            answers=stats.answered if stats else 0,
            streak=scoring.current_streak(stats, last),
            best_streak=stats.best_streak if stats else 0,
            rank=None
            if await self.store.boards.is_hidden(guild_id, user_id) or not ranked
            else ranked.rank,
            practice=len(practice),
            topics=topics,
            weeks=tuple(_weeks(today, week_start, mine, per_week)),
            freezes=stats.freezes if stats else 0,
            freezes_used=stats.freezes_used if stats else 0,
        )


def _weeks(
    today: date, week_start: int, mine: dict[str, tuple[int, int]], practice: Counter[str]
) -> list[WeekStat]:
    this_week = date.fromisoformat(schedule.week_of(today.isoformat(), week_start))
    starts = [(this_week - timedelta(weeks=n)).isoformat() for n in range(WEEKS - 1, -1, -1)]
    return [WeekStat(s, mine.get(f"w:{s}", (0, 0))[1], practice[s]) for s in starts]
