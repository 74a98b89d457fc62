"""A member's streak kept beside the ledger: its length, away days and freezes that bridge a
missed post, and telling a member about the freezes they spent. The rules come from
bot/boards/scoring.py (passed in: storage does not import the rules)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select, update

from bot.storage.backend import Backend, Connection
from bot.storage.database import iso
from bot.storage.models import Award, DailyPost, MemberStats
from bot.storage.schema import away_days, daily_posts, streak_freezes
from bot.storage.schema import member_stats as stats_rows
from bot.storage.schema import points as ledger

StreakRule = Callable[[MemberStats | None, str], tuple[int, int]]

_ms = stats_rows.c
# A member's row as MemberStats reads it, in its fields' order.
READ_COLS = (
    _ms.guild_id, _ms.user_id, _ms.points, _ms.answered, _ms.streak, _ms.best_streak,
    _ms.last_answer_date, _ms.freezes, _ms.freezes_used,
)  # fmt: skip


def read_stats(guild_id: int, user_id: int) -> Any:
    """The SELECT of one member's MemberStats row."""
    return select(*READ_COLS).where(_ms.guild_id == guild_id, _ms.user_id == user_id)


# (stats at the previous post, its date, away on this post's date) -> "bridge" | "freeze" | None
Missed = Callable[[MemberStats, str, bool], str | None]


@dataclass(frozen=True, slots=True)
class StreakKeeping:
    """How a streak lives through a post not answered (away days, freezes), decided in
    bot/boards/scoring.py and applied here."""

    earn: Callable[[int, int], int]  # (held, streak after answering) -> freezes held
    missed: Missed


@dataclass(frozen=True, slots=True)
class KeptStreak:
    """A freeze spent on a missed post, told to its member the next time they answer."""

    local_date: str
    streak: int


# The reveal's rule: each answering member's stats (None: never scored here) -> the awards.
Decide = Callable[[Mapping[int, MemberStats | None]], Sequence[Award]]
REVEAL_REASONS = ("answer", "first", "streak")


async def reveal_awards(conn: Connection, post: DailyPost, users: Collection[int]) -> list[Award]:
    """The reveal's awards already in the ledger for these members (by the unique key): one
    read, in the members' order, each member's in the order written."""
    if not users:
        return []
    p = ledger.c
    found = await conn.execute(
        select(p.user_id, p.points, p.reason)
        .where(p.guild_id == post.guild_id, p.user_id.in_(list(users)))
        .where(p.daily_post_id == post.id, p.reason.in_(REVEAL_REASONS))
        .order_by(p.id)
    )
    place = {user: n for n, user in enumerate(users)}
    rows = sorted(found.all(), key=lambda r: place[r[0]])  # stable: ids stay in order
    return [Award(int(r[0]), int(r[1]), str(r[2])) for r in rows]


async def member_stats(conn: Connection, guild_id: int, user_id: int) -> MemberStats | None:
    """A member's stats as the transaction ``conn`` sees them."""
    row = (await conn.execute(read_stats(guild_id, user_id))).first()
    return MemberStats(*row) if row else None


async def update_stats(
    db: Backend,
    conn: Connection,
    post: DailyPost,
    award: Award,
    streak: StreakRule,
    keeping: StreakKeeping | None,
) -> None:
    prev = await member_stats(conn, post.guild_id, award.user_id)
    answered = award.reason == "answer"
    held = prev.freezes if prev else 0
    if answered and (prev is None or prev.last_answer_date != post.local_date):
        run, best = streak(prev, post.local_date)
        last: str | None = post.local_date
        if keeping is not None:
            held = keeping.earn(held, run)
    else:
        run = prev.streak if prev else 0
        best = prev.best_streak if prev else 0
        last = prev.last_answer_date if prev else None
    ins = db.insert(stats_rows).values(
        guild_id=post.guild_id, user_id=award.user_id, points=award.points,
        answered=int(answered), streak=run, best_streak=best, last_answer_date=last,
        freezes=held,
    )  # fmt: skip
    new = ins.excluded
    await conn.execute(
        ins.on_conflict_do_update(
            index_elements=[_ms.guild_id, _ms.user_id],
            set_={
                "points": _ms.points + new.points,
                "answered": _ms.answered + new.answered,
                "streak": new.streak,
                "best_streak": new.best_streak,
                "last_answer_date": new.last_answer_date,
                "freezes": new.freezes,
            },
        )
    )


async def previous_date(conn: Connection, post: DailyPost) -> str | None:
    """The local date of the guild's post before this one."""
    p = daily_posts.c
    found = await conn.execute(
        select(func.max(p.local_date)).where(
            p.guild_id == post.guild_id, p.local_date < post.local_date
        )
    )
    value: str | None = found.scalar()
    return value


async def keep_streaks(
    db: Backend,
    conn: Connection,
    post: DailyPost,
    previous: str,
    answered: set[int],
    missed: Missed,
    now: datetime,
) -> None:
    """What this post, not answered, does to the streaks of the members whose last answered
    date is the previous post (the only streaks a missed post can keep): ``missed`` (the
    rule) gets each one's stats and whether they are away on this post's date, and says
    'bridge' (their last answered date moves to this post; the streak does not grow),
    'freeze' (they spend one on it, with the same effect) or None (the streak ends). A freeze
    is one row per member and post (its UNIQUE key), so a second run spends nothing."""
    a = away_days.c
    on_this_date = (
        (a.guild_id == _ms.guild_id)
        & (a.user_id == _ms.user_id)
        & (a.local_date == post.local_date)
    )
    found = await conn.execute(
        select(*READ_COLS, a.user_id.is_not(None))
        .select_from(stats_rows.outerjoin(away_days, on_this_date))
        .where(_ms.guild_id == post.guild_id, _ms.last_answer_date == previous)
        .order_by(_ms.user_id)
    )
    bridged: list[int] = []
    for *row, away in found.all():
        stats = MemberStats(*row)
        if stats.user_id in answered:
            continue
        outcome = missed(stats, previous, bool(away))
        if outcome == "bridge":
            bridged.append(stats.user_id)
        elif outcome == "freeze":
            await _spend_freeze(db, conn, post, stats, now)
    if bridged:  # one statement for all of them
        await conn.execute(
            update(stats_rows)
            .where(_ms.guild_id == post.guild_id, _ms.user_id.in_(bridged))
            .values(last_answer_date=post.local_date)
        )


async def _spend_freeze(
    db: Backend, conn: Connection, post: DailyPost, stats: MemberStats, now: datetime
) -> None:
    """One freeze spent on this post: the streak lives through it without growing."""
    f = streak_freezes.c
    spend = db.insert(streak_freezes).values(
        guild_id=post.guild_id, user_id=stats.user_id, daily_post_id=post.id,
        local_date=post.local_date, streak=stats.streak, used_at=iso(now),
    )  # fmt: skip
    spent = await conn.execute(
        spend.on_conflict_do_nothing(index_elements=[f.guild_id, f.user_id, f.daily_post_id])
    )
    if spent.rowcount:
        await conn.execute(
            update(stats_rows)
            .where(_ms.guild_id == post.guild_id, _ms.user_id == stats.user_id)
            .values(
                freezes=_ms.freezes - 1,
                freezes_used=_ms.freezes_used + 1,
                last_answer_date=post.local_date,
            )
        )


# Asked after every answer: one constant statement (compiled once), an indexed read on the
# backend's inline path (streak_freezes_member), so an answer costs no statement building.
_UNTOLD = (
    (streak_freezes.c.guild_id == bindparam("g"))
    & (streak_freezes.c.user_id == bindparam("u"))
    & streak_freezes.c.told_at.is_(None)
)
_ANY_UNTOLD: Any = select(literal_column("1")).where(_UNTOLD).limit(1)


async def kept_streaks(db: Backend, guild_id: int, user_id: int, now: datetime) -> list[KeptStreak]:
    """The freezes spent for a member that they were not told of yet, marked told now:
    each is told once, whatever happens to the message after."""
    f = streak_freezes.c
    if not await db.fetchall_inline(_ANY_UNTOLD, {"g": guild_id, "u": user_id}):
        return []  # the common case: a read, no write per answer
    untold = (f.guild_id == guild_id) & (f.user_id == user_id) & f.told_at.is_(None)
    async with db.transaction(("guild", guild_id)) as conn:
        told = await conn.execute(
            update(streak_freezes)
            .where(untold)
            .values(told_at=iso(now))
            .returning(f.local_date, f.streak)
        )
        rows = told.all()
    return sorted((KeptStreak(r[0], int(r[1])) for r in rows), key=lambda k: k.local_date)
