"""A member's streak kept beside the ledger: its length, away days and freezes that bridge a
missed post, and telling a member about the freezes they spent. The rules come from
bot/boards/scoring.py (passed in: storage does not import the rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.storage.backend import Backend, Connection
from bot.storage.database import iso
from bot.storage.models import Award, DailyPost, MemberStats

StreakRule = Callable[[MemberStats | None, str], tuple[int, int]]

STATS_COLS = "guild_id, user_id, points, answered, streak, best_streak, last_answer_date"
READ_COLS = STATS_COLS + ", freezes, freezes_used"


@dataclass(frozen=True, slots=True)
class FreezeRules:
    """Streak insurance, decided in bot/boards/scoring.py and applied here."""

    earn: Callable[[int, int], int]  # (held, streak after answering) -> held
    covers: Callable[[int, int], bool]  # (held, live streak) -> a missed post spends one


@dataclass(frozen=True, slots=True)
class KeptStreak:
    """A freeze spent on a missed post, told to its member the next time they answer."""

    local_date: str
    streak: int


async def member_stats(conn: Connection, guild_id: int, user_id: int) -> MemberStats | None:
    """A member's stats as the transaction ``conn`` sees them."""
    cur = await conn.execute(
        f"SELECT {READ_COLS} FROM member_stats WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    row = await cur.fetchone()
    return MemberStats(*row) if row else None


async def update_stats(
    conn: Connection,
    post: DailyPost,
    award: Award,
    streak: StreakRule,
    freezes: FreezeRules | None,
) -> None:
    prev = await member_stats(conn, post.guild_id, award.user_id)
    answered = award.reason == "answer"
    held = prev.freezes if prev else 0
    if answered and (prev is None or prev.last_answer_date != post.local_date):
        run, best = streak(prev, post.local_date)
        last: str | None = post.local_date
        if freezes is not None:
            held = freezes.earn(held, run)
    else:
        run = prev.streak if prev else 0
        best = prev.best_streak if prev else 0
        last = prev.last_answer_date if prev else None
    await conn.execute(
        f"INSERT INTO member_stats ({STATS_COLS}, freezes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
        " points = member_stats.points + excluded.points,"
        " answered = member_stats.answered + excluded.answered,"
        " streak = excluded.streak, best_streak = excluded.best_streak,"
        " last_answer_date = excluded.last_answer_date, freezes = excluded.freezes",
        (post.guild_id, award.user_id, award.points, int(answered), run, best, last, held),
    )


async def previous_date(conn: Connection, post: DailyPost) -> str | None:
    """The local date of the guild's post before this one."""
    cur = await conn.execute(
        "SELECT MAX(local_date) FROM daily_posts WHERE guild_id = ? AND local_date < ?",
        (post.guild_id, post.local_date),
    )
    row = await cur.fetchone()
    return row[0] if row else None


async def spend_freezes(
    conn: Connection,
    post: DailyPost,
    previous: str,
    answered: set[int],
    rules: FreezeRules,
    now: datetime,
) -> None:
    """A member whose streak was alive at the previous post, who neither answered this one
    nor was away (away members were bridged already), spends a freeze if the rules say it
    covers: the streak lives through this post without growing. One row per member and post
    (its UNIQUE key), so a second run of the reveal spends nothing."""
    cur = await conn.execute(
        "SELECT user_id, streak, freezes FROM member_stats WHERE guild_id = ?"
        " AND last_answer_date = ? AND streak > 0 AND freezes > 0",
        (post.guild_id, previous),
    )
    for user_id, streak, held in await cur.fetchall():
        if user_id in answered or not rules.covers(int(held), int(streak)):
            continue
        spent = await conn.execute(
            "INSERT INTO streak_freezes (guild_id, user_id, daily_post_id, local_date, streak,"
            " used_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id, user_id, daily_post_id) DO NOTHING",
            (post.guild_id, user_id, post.id, post.local_date, streak, iso(now)),
        )
        if spent.rowcount:
            await conn.execute(
                "UPDATE member_stats SET freezes = freezes - 1, freezes_used = freezes_used + 1,"
                " last_answer_date = ? WHERE guild_id = ? AND user_id = ?",
                (post.local_date, post.guild_id, user_id),
            )


async def bridge_away(conn: Connection, post: DailyPost, previous: str, answered: set[int]) -> None:
    """A member away on this post's date whose streak was alive at the previous post keeps
    it: their last answered date moves to this post (the streak length does not grow)."""
    cur = await conn.execute(
        "SELECT m.user_id FROM member_stats m JOIN away_days a ON a.guild_id = m.guild_id"
        " AND a.user_id = m.user_id AND a.local_date = ?"
        " WHERE m.guild_id = ? AND m.last_answer_date = ? AND m.streak > 0",
        (post.local_date, post.guild_id, previous),
    )
    away = [r[0] for r in await cur.fetchall() if r[0] not in answered]
    await conn.executemany(
        "UPDATE member_stats SET last_answer_date = ? WHERE guild_id = ? AND user_id = ?",
        [(post.local_date, post.guild_id, user_id) for user_id in away],
    )


async def kept_streaks(db: Backend, guild_id: int, user_id: int, now: datetime) -> list[KeptStreak]:
    """The freezes spent for a member that they were not told of yet, marked told now:
    each is told once, whatever happens to the message after."""
    if not await db.fetchone(
        "SELECT 1 FROM streak_freezes WHERE guild_id = ? AND user_id = ? AND told_at IS NULL"
        " LIMIT 1",
        (guild_id, user_id),
    ):
        return []  # the common case: a read, no write per answer
    async with db.transaction(("guild", guild_id)) as conn:
        cur = await conn.execute(
            "UPDATE streak_freezes SET told_at = ? WHERE guild_id = ? AND user_id = ?"
            " AND told_at IS NULL RETURNING local_date, streak",
            (iso(now), guild_id, user_id),
        )
        rows = await cur.fetchall()
    return sorted((KeptStreak(r[0], int(r[1])) for r in rows), key=lambda k: k.local_date)
