"""The points ledger and the per-member aggregates kept beside it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.storage.database import Database, iso
from bot.storage.models import Award, DailyPost, MemberStats, Standing

StreakRule = Callable[[MemberStats | None, str], tuple[int, int]]


class ScoreRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def award_daily(
        self, post: DailyPost, awards: Sequence[Award], streak: StreakRule, now: datetime
    ) -> list[Award]:
        """Write the ledger rows for one daily post and update the aggregates, atomically.

        ``streak(previous_stats, local_date)`` returns (streak, best_streak) for a member who
        answered. Idempotent: a second call for the same post awards nothing.
        """
        written: list[Award] = []
        async with self.db.transaction() as conn:
            for award in awards:
                cur = await conn.execute(
                    "INSERT INTO points (guild_id, user_id, points, reason, topic, daily_post_id,"
                    " local_date, awarded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (guild_id, user_id, daily_post_id, reason) DO NOTHING",
                    (
                        post.guild_id,
                        award.user_id,
                        award.points,
                        award.reason,
                        post.topic,
                        post.id,
                        post.local_date,
                        iso(now),
                    ),
                )
                if cur.rowcount == 0:
                    continue
                written.append(award)
                cur = await conn.execute(
                    "SELECT guild_id, user_id, points, answered, streak, best_streak,"
                    " last_answer_date FROM member_stats WHERE guild_id = ? AND user_id = ?",
                    (post.guild_id, award.user_id),
                )
                row = await cur.fetchone()
                prev = MemberStats(*row) if row else None
                answered = award.reason == "answer"
                if answered and (prev is None or prev.last_answer_date != post.local_date):
                    run, best = streak(prev, post.local_date)
                    last = post.local_date
                else:
                    run = prev.streak if prev else 0
                    best = prev.best_streak if prev else 0
                    last = prev.last_answer_date if prev else None
                await conn.execute(
                    "INSERT INTO member_stats (guild_id, user_id, points, answered, streak,"
                    " best_streak, last_answer_date) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
                    " points = member_stats.points + excluded.points,"
                    " answered = member_stats.answered + excluded.answered,"
                    " streak = excluded.streak, best_streak = excluded.best_streak,"
                    " last_answer_date = excluded.last_answer_date",
                    (post.guild_id, award.user_id, award.points, int(answered), run, best, last),
                )
        return written

    async def stats(self, guild_id: int, user_id: int) -> MemberStats | None:
        row = await self.db.fetchone(
            "SELECT guild_id, user_id, points, answered, streak, best_streak, last_answer_date"
            " FROM member_stats WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return MemberStats(*row) if row else None

    async def top(self, guild_id: int, limit: int = 10) -> list[Standing]:
        rows = await self.db.fetchall(
            "SELECT user_id, points, answered, streak FROM member_stats WHERE guild_id = ?"
            " ORDER BY points DESC, user_id LIMIT ?",
            (guild_id, limit),
        )
        return [Standing(*r) for r in rows]

    async def top_in(
        self,
        guild_id: int,
        *,
        since: datetime | None = None,
        topic: str | None = None,
        limit: int = 10,
    ) -> list[Standing]:
        """Ledger totals for a window or a topic (week, month, per-topic boards)."""
        where, params = ["guild_id = ?"], [guild_id]
        if since is not None:
            where.append("awarded_at >= ?")
            params.append(iso(since))  # type: ignore[arg-type]
        if topic is not None:
            where.append("topic = ?")
            params.append(topic)  # type: ignore[arg-type]
        rows = await self.db.fetchall(
            "SELECT user_id, SUM(points),"
            " SUM(CASE WHEN reason = 'answer' THEN 1 ELSE 0 END) FROM points"
            f" WHERE {' AND '.join(where)} GROUP BY user_id"
            " ORDER BY SUM(points) DESC, user_id LIMIT ?",
            (*params, limit),
        )
        return [Standing(r[0], r[1], r[2]) for r in rows]

    async def recomputed_totals(self, guild_id: int) -> dict[int, int]:
        """Totals from the ledger alone, to check the aggregate against."""
        rows = await self.db.fetchall(
            "SELECT user_id, SUM(points) FROM points WHERE guild_id = ? GROUP BY user_id",
            (guild_id,),
        )
        return {r[0]: r[1] for r in rows}
