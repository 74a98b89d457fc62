"""The points ledger and the aggregates kept beside it (member_stats, score_totals).

Every ledger row is written by ``_ledger`` together with one ``score_totals`` row per board it
counts on, in the caller's transaction: the boards never drift from the ledger (see
``recompute_totals``) and are read through an index, never by scanning the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.storage.backend import Backend, Connection
from bot.storage.database import iso
from bot.storage.models import Award, DailyPost, MemberStats, Standing
from bot.storage.streaks import (
    READ_COLS,
    STATS_COLS,
    FreezeRules,
    KeptStreak,
    StreakRule,
    bridge_away,
    kept_streaks,
    member_stats,
    previous_date,
    spend_freezes,
    update_stats,
)

_STATS_COLS = STATS_COLS
_TOTALS_UPSERT = (
    "INSERT INTO score_totals (guild_id, scope, user_id, points, answers) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (guild_id, scope, user_id) DO UPDATE SET"
    " points = score_totals.points + excluded.points,"
    " answers = score_totals.answers + excluded.answers RETURNING points"
)
_LEVELS_UPSERT = (
    "INSERT INTO score_levels (guild_id, scope, points, members) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (guild_id, scope, points) DO UPDATE SET"
    " members = score_levels.members + excluded.members"
)


def week_of(local_date: str, week_start: int) -> str:
    """The first day (ISO date) of the week holding ``local_date``; weeks start on
    ``week_start`` (0 = Monday)."""
    day = date.fromisoformat(local_date)
    return (day - timedelta(days=(day.weekday() - week_start) % 7)).isoformat()


def scopes(local_date: str, topic: str | None, season: int, week_start: int) -> list[str]:
    """Every board a point event on ``local_date`` counts on."""
    base = ["all", f"w:{week_of(local_date, week_start)}", f"m:{local_date[:7]}", f"s:{season}"]
    if topic:
        base += [f"t:{topic}|{scope}" for scope in base]
    return base


@dataclass(frozen=True, slots=True)
class BoardContext:
    season: int
    week_start: int


async def board_context(conn: Connection, guild_id: int) -> BoardContext:
    rows = list(
        await conn.execute_fetchall(
            "SELECT (SELECT COALESCE(MAX(number), 0) FROM seasons WHERE guild_id = ?),"
            " (SELECT week_start FROM board_settings WHERE guild_id = ?)",
            (guild_id, guild_id),
        )
    )
    return BoardContext(int(rows[0][0]), int(rows[0][1] or 0))


async def _ledger(
    conn: Connection,
    ctx: BoardContext,
    *,
    guild_id: int,
    user_id: int,
    points: int,
    reason: str,
    topic: str | None,
    post_id: int,
    local_date: str,
    now: datetime,
) -> bool:
    """One ledger row and its totals. False (and nothing written) if it was written before."""
    cur = await conn.execute(
        "INSERT INTO points (guild_id, user_id, points, reason, topic, daily_post_id,"
        " local_date, awarded_at, season) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id, user_id, daily_post_id, reason) DO NOTHING",
        (guild_id, user_id, points, reason, topic, post_id, local_date, iso(now), ctx.season),
    )
    if cur.rowcount == 0:
        return False
    answered = int(reason == "answer")
    levels = []
    for scope in scopes(local_date, topic, ctx.season, ctx.week_start):
        cur = await conn.execute(_TOTALS_UPSERT, (guild_id, scope, user_id, points, answered))
        row = await cur.fetchone()
        after = int(row[0]) if row else points
        # Every event earns points > 0, so a total of 0 means the member was not on the board.
        if after - points:
            levels.append((guild_id, scope, after - points, -1))
        levels.append((guild_id, scope, after, 1))
    await conn.executemany(_LEVELS_UPSERT, levels)
    return True


# The reveal's rule: each answering member's stats (None: never scored here) -> the awards.
Decide = Callable[[Mapping[int, MemberStats | None]], Sequence[Award]]
REVEAL_REASONS = ("answer", "first", "streak")


async def _reveal_awards(conn: Connection, post: DailyPost, users: Collection[int]) -> list[Award]:
    """The reveal's awards already in the ledger for these members (by the unique key)."""
    sql = "SELECT user_id, points, reason FROM points WHERE guild_id = ? AND user_id = ?"
    sql += " AND daily_post_id = ? AND reason IN (?, ?, ?) ORDER BY id"
    args = [(post.guild_id, user, post.id, *REVEAL_REASONS) for user in users]
    rows = [row for a in args for row in await conn.execute_fetchall(sql, a)]
    return [Award(int(r[0]), int(r[1]), str(r[2])) for r in rows]


@dataclass(frozen=True, slots=True)
class Credit:
    """Extra points for a stored daily answer (a star or a best-answer mark)."""

    outcome: str  # awarded | self | not_answer | duplicate | capped | already
    author_id: int | None = None
    points: int = 0


class ScoreRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def award_daily(
        self,
        post: DailyPost,
        awards: Sequence[Award] | Decide,
        streak: StreakRule,
        now: datetime,
        *,
        freezes: FreezeRules | None = None,
        members: Collection[int] = (),
    ) -> list[Award]:
        """Write the ledger rows for one daily post and update the aggregates, atomically.

        ``streak(previous_stats, local_date)`` returns (streak, best_streak) for a member who
        answered. Members away on the post's date who did not answer keep their streak alive
        through it; with ``freezes``, answering earns freezes and a member who missed the post
        spends one to keep their streak. Idempotent: a second call for the same post awards
        nothing and spends nothing.

        The reveal passes ``decide`` for ``awards``: the answering ``members``' stats, read in
        this transaction, become the awards (the streak bonus among them), so nothing landing
        at once (a star, another reveal) slips between the read and the write. It gets the
        awards written, or on a second call those stored by the first.
        """
        written: list[Award] = []
        async with self.db.transaction(("guild", post.guild_id)) as conn:
            if callable(awards):
                stored = await _reveal_awards(conn, post, members)
                if stored:
                    return stored
                awards = awards({u: await member_stats(conn, post.guild_id, u) for u in members})
            ctx = await board_context(conn, post.guild_id)
            for award in awards:
                if not await _ledger(
                    conn,
                    ctx,
                    guild_id=post.guild_id,
                    user_id=award.user_id,
                    points=award.points,
                    reason=award.reason,
                    topic=post.topic,
                    post_id=post.id,
                    local_date=post.local_date,
                    now=now,
                ):
                    continue
                written.append(award)
                await update_stats(conn, post, award, streak, freezes)
            answered = {a.user_id for a in awards if a.reason == "answer"}
            previous = await previous_date(conn, post)
            if previous is not None:
                await bridge_away(conn, post, previous, answered)
                if freezes is not None:
                    await spend_freezes(conn, post, previous, answered, freezes, now)
        return written

    async def kept_streaks(self, guild_id: int, user_id: int, now: datetime) -> list[KeptStreak]:
        """The freezes spent for a member that they were not told of yet, marked told now."""
        return await kept_streaks(self.db, guild_id, user_id, now)

    async def credit(
        self,
        *,
        guild_id: int,
        message_id: int,
        giver_id: int,
        kind: str,
        points: int,
        cap: int,
        now: datetime,
    ) -> Credit:
        """A star (``kind='star'``, at most ``cap`` per member's answer to a post) or a best
        answer mark (``kind='best'``, once per member and post) on a stored daily answer."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "SELECT a.user_id, a.daily_post_id, p.topic, p.local_date FROM answers a"
                " JOIN daily_posts p ON p.id = a.daily_post_id"
                " WHERE a.message_id = ? AND a.guild_id = ? AND a.deleted_at IS NULL",
                (message_id, guild_id),
            )
            row = await cur.fetchone()
            if row is None:
                return Credit("not_answer")
            author, post_id, topic, local_date = row
            if kind == "star":
                reason = await _star_reason(conn, guild_id, message_id, giver_id, row, cap, now)
                if not reason.startswith("star"):
                    return Credit(reason, author)
            else:
                cur = await conn.execute(
                    "INSERT INTO best_answers (message_id, guild_id, daily_post_id, user_id,"
                    " marked_by, marked_at) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (message_id) DO NOTHING",
                    (message_id, guild_id, post_id, author, giver_id, iso(now)),
                )
                if cur.rowcount == 0:
                    return Credit("already", author)
                reason = "best"
            ctx = await board_context(conn, guild_id)
            if not await _ledger(
                conn,
                ctx,
                guild_id=guild_id,
                user_id=author,
                points=points,
                reason=reason,
                topic=topic,
                post_id=post_id,
                local_date=local_date,
                now=now,
            ):
                return Credit("already", author)
            await conn.execute(
                f"INSERT INTO member_stats ({_STATS_COLS}) VALUES (?, ?, ?, 0, 0, 0, NULL)"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
                " points = member_stats.points + excluded.points",
                (guild_id, author, points),
            )
            return Credit("awarded", author, points)

    async def stats(self, guild_id: int, user_id: int) -> MemberStats | None:
        row = await self.db.fetchone(
            f"SELECT {READ_COLS} FROM member_stats WHERE guild_id = ? AND user_id = ?",
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
        """The same boards by scanning the ledger: the baseline benchmarks/leaderboard.py
        compares the totals against. Not used by the bot."""
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

    async def totals(self, guild_id: int) -> dict[tuple[str, int], tuple[int, int]]:
        """Every board row of a guild: (scope, member) -> (points, answers)."""
        rows = await self.db.fetchall(
            "SELECT scope, user_id, points, answers FROM score_totals WHERE guild_id = ?",
            (guild_id,),
        )
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}

    async def recompute_totals(self, guild_id: int) -> dict[tuple[str, int], tuple[int, int]]:
        """What ``totals`` must equal, computed from the ledger alone."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            week_start = (await board_context(conn, guild_id)).week_start
        rows = await self.db.fetchall(
            "SELECT user_id, points, reason, topic, local_date, season FROM points"
            " WHERE guild_id = ?",
            (guild_id,),
        )
        out: dict[tuple[str, int], tuple[int, int]] = {}
        for user_id, points, reason, topic, local_date, season in rows:
            for scope in scopes(local_date, topic, season, week_start):
                p, a = out.get((scope, user_id), (0, 0))
                out[scope, user_id] = (p + points, a + int(reason == "answer"))
        return out

    async def rebuild_totals(self, guild_id: int) -> None:
        """Rewrite a guild's boards from the ledger (after the week's first day changed)."""
        fresh = await self.recompute_totals(guild_id)
        async with self.db.transaction(("guild", guild_id)) as conn:
            await conn.execute("DELETE FROM score_totals WHERE guild_id = ?", (guild_id,))
            await conn.executemany(
                "INSERT INTO score_totals (guild_id, scope, user_id, points, answers)"
                " VALUES (?, ?, ?, ?, ?)",
                [(guild_id, s, u, p, a) for (s, u), (p, a) in fresh.items()],
            )
            await conn.execute("DELETE FROM score_levels WHERE guild_id = ?", (guild_id,))
            await conn.execute(
                "INSERT INTO score_levels (guild_id, scope, points, members)"
                " SELECT guild_id, scope, points, COUNT(*) FROM score_totals WHERE guild_id = ?"
                " GROUP BY guild_id, scope, points",
                (guild_id,),
            )

    async def level_mismatches(self, guild_id: int) -> list[tuple[str, int, int, int]]:
        """(scope, points, stored members, counted members) where score_levels disagrees with
        score_totals; empty when they agree."""
        rows = await self.db.fetchall(
            "SELECT scope, points, SUM(stored), SUM(counted) FROM ("
            " SELECT scope, points, members AS stored, 0 AS counted FROM score_levels"
            " WHERE guild_id = ?1 AND members <> 0 UNION ALL"
            " SELECT scope, points, 0, 1 FROM score_totals WHERE guild_id = ?1) AS both_sides"
            " GROUP BY scope, points HAVING SUM(stored) <> SUM(counted)",
            (guild_id,),
        )
        return [tuple(r) for r in rows]


async def _star_reason(
    conn: Connection,
    guild_id: int,
    message_id: int,
    giver_id: int,
    answer: Sequence[object],
    cap: int,
    now: datetime,
) -> str:
    """Record a star; the ledger reason ('star1'...'starN') or why it earns nothing."""
    author, post_id = answer[0], answer[1]
    if author == giver_id:
        return "self"
    cur = await conn.execute(
        "INSERT INTO stars (guild_id, message_id, giver_id, author_id, daily_post_id, given_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, giver_id) DO NOTHING",
        (guild_id, message_id, giver_id, author, post_id, iso(now)),
    )
    if cur.rowcount == 0:
        return "duplicate"
    cur = await conn.execute(
        "SELECT COUNT(DISTINCT giver_id) FROM stars"
        " WHERE guild_id = ? AND author_id = ? AND daily_post_id = ?",
        (guild_id, author, post_id),
    )
    row = await cur.fetchone()
    givers = int(row[0]) if row else 1
    # One ledger row per distinct giver up to the cap: the ledger's UNIQUE key enforces both.
    return f"star{givers}" if givers <= cap else "capped"
