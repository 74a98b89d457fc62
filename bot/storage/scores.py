"""The points ledger and the aggregates kept beside it (member_stats, score_totals).

Every ledger row is written by ``_ledger`` together with one ``score_totals`` row per board it
counts on, in the caller's transaction: the boards never drift from the ledger (see
``recompute_totals``) and are read through an index, never by scanning the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, case, delete, func, insert, literal_column, select, union_all

from bot.schedule import week_of
from bot.storage.backend import Backend, Connection
from bot.storage.database import iso
from bot.storage.models import Award, DailyPost, MemberStats, Standing
from bot.storage.schema import (
    answers,
    best_answers,
    board_settings,
    daily_posts,
    score_levels,
    score_totals,
    seasons,
    stars,
)
from bot.storage.schema import member_stats as stats_rows
from bot.storage.schema import points as ledger
from bot.storage.streaks import (
    Decide,
    KeptStreak,
    StreakKeeping,
    StreakRule,
    keep_streaks,
    kept_streaks,
    member_stats,
    previous_date,
    read_stats,
    reveal_awards,
    update_stats,
)

_st, _sl, _pt = score_totals.c, score_levels.c, ledger.c


def scopes(local_date: str, topic: str | None, season: int, week_start: int) -> list[str]:
    """Every board a point event on ``local_date`` counts on: the keys of its score_totals
    rows (the week's first day from bot/schedule.py)."""
    base = ["all", f"w:{week_of(local_date, week_start)}", f"m:{local_date[:7]}", f"s:{season}"]
    if topic:
        base += [f"t:{topic}|{scope}" for scope in base]
    return base


@dataclass(frozen=True, slots=True)
class BoardContext:
    season: int
    week_start: int


async def board_context(conn: Connection, guild_id: int) -> BoardContext:
    season = select(func.coalesce(func.max(seasons.c.number), 0)).where(
        seasons.c.guild_id == guild_id
    )
    week_start = select(board_settings.c.week_start).where(board_settings.c.guild_id == guild_id)
    row = (await conn.execute(select(season.scalar_subquery(), week_start.scalar_subquery()))).one()
    return BoardContext(int(row[0]), int(row[1] or 0))


async def _ledger(
    db: Backend,
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
    row = db.insert(ledger).values(
        guild_id=guild_id, user_id=user_id, points=points, reason=reason, topic=topic,
        daily_post_id=post_id, local_date=local_date, awarded_at=iso(now), season=ctx.season,
    )  # fmt: skip
    written = await conn.execute(
        row.on_conflict_do_nothing(
            index_elements=[_pt.guild_id, _pt.user_id, _pt.daily_post_id, _pt.reason]
        )
    )
    if written.rowcount == 0:
        return False
    answered = int(reason == "answer")
    levels = []
    for scope in scopes(local_date, topic, ctx.season, ctx.week_start):
        total = db.insert(score_totals).values(
            guild_id=guild_id, scope=scope, user_id=user_id, points=points, answers=answered
        )
        upsert = total.on_conflict_do_update(
            index_elements=[_st.guild_id, _st.scope, _st.user_id],
            set_={
                "points": _st.points + total.excluded.points,
                "answers": _st.answers + total.excluded.answers,
            },
        ).returning(_st.points)
        found = (await conn.execute(upsert)).first()
        after = int(found[0]) if found else points
        # Every event earns points > 0, so a total of 0 means the member was not on the board.
        if after - points:
            levels.append({"guild_id": guild_id, "scope": scope, "points": after - points,
                           "members": -1})  # fmt: skip
        levels.append({"guild_id": guild_id, "scope": scope, "points": after, "members": 1})
    level = db.insert(score_levels)
    await conn.execute(
        level.on_conflict_do_update(
            index_elements=[_sl.guild_id, _sl.scope, _sl.points],
            set_={"members": _sl.members + level.excluded.members},
        ),
        levels,
    )
    return True


# The star rule (bot/boards/scoring.py): (author, giver, other members who starred the
# author's answers to the post so far, cap) -> "star<n>" (the ledger reason), "capped" (recorded,
# earns nothing) or a refusal such as "self" (nothing recorded).
StarRule = Callable[[int, int, int, int], str]


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
        keeping: StreakKeeping | None = None,
        members: Collection[int] = (),
    ) -> list[Award]:
        """Write the ledger rows for one daily post and update the aggregates, atomically.

        ``streak(previous_stats, local_date)`` returns (streak, best_streak) for a member who
        answered. With ``keeping`` (the rules), answering earns freezes, and each member who
        did not answer is handed to ``keeping.missed``: away on the post's date, or a freeze
        to spend, keeps the streak alive through it. Idempotent: a second call for the same
        post awards nothing and spends nothing.

        The reveal passes ``decide`` for ``awards``: the answering ``members``' stats, read in
        this transaction, become the awards (the streak bonus among them), so nothing landing
        at once (a star, another reveal) slips between the read and the write. It gets the
        awards written, or on a second call those stored by the first.
        """
        written: list[Award] = []
        async with self.db.transaction(("guild", post.guild_id)) as conn:
            if callable(awards):
                stored = await reveal_awards(conn, post, members)
                if stored:
                    return stored
                awards = awards({u: await member_stats(conn, post.guild_id, u) for u in members})
            ctx = await board_context(conn, post.guild_id)
            for award in awards:
                if not await _ledger(
                    self.db, conn, ctx, guild_id=post.guild_id, user_id=award.user_id,
                    points=award.points, reason=award.reason, topic=post.topic, post_id=post.id,
                    local_date=post.local_date, now=now,
                ):  # fmt: skip
                    continue
                written.append(award)
                await update_stats(self.db, conn, post, award, streak, keeping)
            answered = {a.user_id for a in awards if a.reason == "answer"}
            previous = None if keeping is None else await previous_date(conn, post)
            if keeping is not None and previous is not None:
                await keep_streaks(self.db, conn, post, previous, answered, keeping.missed, now)
        return written

    async def kept_streaks(self, guild_id: int, user_id: int, now: datetime) -> list[KeptStreak]:
        """The freezes spent for a member that they were not told of yet, marked told now."""
        return await kept_streaks(self.db, guild_id, user_id, now)

    async def credit(
        self, *, guild_id: int, message_id: int, giver_id: int, kind: str, points: int, cap: int,
        now: datetime, star: StarRule | None = None,
    ) -> Credit:  # fmt: skip
        """A star (``kind='star'``, what it earns decided by ``star``, the rule, with ``cap``) or
        a best answer mark (``kind='best'``, once per member and post) on a stored daily
        answer."""
        a, p = answers.c, daily_posts.c
        async with self.db.transaction(("guild", guild_id)) as conn:
            found = await conn.execute(
                select(a.user_id, a.daily_post_id, p.topic, p.local_date)
                .join_from(answers, daily_posts, p.id == a.daily_post_id)
                .where(a.message_id == message_id, a.guild_id == guild_id, a.deleted_at.is_(None))
            )
            row = found.first()
            if row is None:
                return Credit("not_answer")
            author, post_id, topic, local_date = row
            if kind == "star":
                if star is None:
                    raise TypeError("a star is credited by the star rule (star=)")
                reason = await _star_reason(
                    self.db, conn, guild_id, message_id, giver_id, (author, post_id), cap, now,
                    star,
                )  # fmt: skip
                if not reason.startswith("star"):
                    return Credit(reason, author)
            else:
                marked = await conn.execute(
                    self.db.insert(best_answers)
                    .values(
                        message_id=message_id, guild_id=guild_id, daily_post_id=post_id,
                        user_id=author, marked_by=giver_id, marked_at=iso(now),
                    )
                    .on_conflict_do_nothing(index_elements=[best_answers.c.message_id])
                )  # fmt: skip
                if marked.rowcount == 0:
                    return Credit("already", author)
                reason = "best"
            ctx = await board_context(conn, guild_id)
            if not await _ledger(
                self.db, conn, ctx, guild_id=guild_id, user_id=author, points=points,
                reason=reason, topic=topic, post_id=post_id, local_date=local_date, now=now,
            ):  # fmt: skip
                return Credit("already", author)
            ms = stats_rows.c
            extra = self.db.insert(stats_rows).values(
                guild_id=guild_id, user_id=author, points=points, answered=0, streak=0,
                best_streak=0, last_answer_date=None,
            )  # fmt: skip
            await conn.execute(
                extra.on_conflict_do_update(
                    index_elements=[ms.guild_id, ms.user_id],
                    set_={"points": ms.points + extra.excluded.points},
                )
            )
            return Credit("awarded", author, points)

    async def stats(self, guild_id: int, user_id: int) -> MemberStats | None:
        row = await self.db.fetchone(read_stats(guild_id, user_id))
        return MemberStats(*row) if row else None

    async def top(self, guild_id: int, limit: int = 10) -> list[Standing]:
        ms = stats_rows.c
        rows = await self.db.fetchall(
            select(ms.user_id, ms.points, ms.answered, ms.streak)
            .where(ms.guild_id == guild_id)
            .order_by(ms.points.desc(), ms.user_id)
            .limit(limit)
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
        total = func.sum(_pt.points)
        stmt = (
            select(_pt.user_id, total, func.sum(case((_pt.reason == "answer", 1), else_=0)))
            .where(_pt.guild_id == guild_id)
            .group_by(_pt.user_id)
            .order_by(total.desc(), _pt.user_id)
            .limit(limit)
        )
        if since is not None:
            stmt = stmt.where(_pt.awarded_at >= iso(since))
        if topic is not None:
            stmt = stmt.where(_pt.topic == topic)
        rows = await self.db.fetchall(stmt)
        return [Standing(r[0], r[1], r[2]) for r in rows]

    async def recomputed_totals(self, guild_id: int) -> dict[int, int]:
        """Totals from the ledger alone, to check the aggregate against."""
        rows = await self.db.fetchall(
            select(_pt.user_id, func.sum(_pt.points))
            .where(_pt.guild_id == guild_id)
            .group_by(_pt.user_id)
        )
        return {r[0]: r[1] for r in rows}

    async def totals(self, guild_id: int) -> dict[tuple[str, int], tuple[int, int]]:
        """Every board row of a guild: (scope, member) -> (points, answers)."""
        rows = await self.db.fetchall(
            select(_st.scope, _st.user_id, _st.points, _st.answers).where(_st.guild_id == guild_id)
        )
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}

    async def recompute_totals(self, guild_id: int) -> dict[tuple[str, int], tuple[int, int]]:
        """What ``totals`` must equal, computed from the ledger alone."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            week_start = (await board_context(conn, guild_id)).week_start
        rows = await self.db.fetchall(
            select(
                _pt.user_id, _pt.points, _pt.reason, _pt.topic, _pt.local_date, _pt.season
            ).where(_pt.guild_id == guild_id)
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
            await conn.execute(delete(score_totals).where(_st.guild_id == guild_id))
            if fresh:
                await conn.execute(
                    insert(score_totals),
                    [
                        {"guild_id": guild_id, "scope": s, "user_id": u, "points": p,
                         "answers": a}
                        for (s, u), (p, a) in fresh.items()
                    ],
                )  # fmt: skip
            await conn.execute(delete(score_levels).where(_sl.guild_id == guild_id))
            await conn.execute(
                insert(score_levels).from_select(
                    ["guild_id", "scope", "points", "members"],
                    select(_st.guild_id, _st.scope, _st.points, func.count())
                    .where(_st.guild_id == guild_id)
                    .group_by(_st.guild_id, _st.scope, _st.points),
                )
            )

    async def level_mismatches(self, guild_id: int) -> list[tuple[str, int, int, int]]:
        """(scope, points, stored members, counted members) where score_levels disagrees with
        score_totals; empty when they agree."""
        zero, one = literal_column("0", Integer), literal_column("1", Integer)
        both = union_all(
            select(_sl.scope, _sl.points, _sl.members.label("stored"), zero.label("counted"))
            .where(_sl.guild_id == guild_id, _sl.members != 0),
            select(_st.scope, _st.points, zero, one).where(_st.guild_id == guild_id),
        ).subquery("both_sides")  # fmt: skip
        stored, counted = func.sum(both.c.stored), func.sum(both.c.counted)
        rows = await self.db.fetchall(
            select(both.c.scope, both.c.points, stored, counted)
            .group_by(both.c.scope, both.c.points)
            .having(stored != counted)
        )
        return [tuple(r) for r in rows]


async def _star_reason(
    db: Backend, conn: Connection, guild_id: int, message_id: int, giver_id: int,
    answer: tuple[int, int], cap: int, now: datetime, rule: StarRule,
) -> str:  # fmt: skip
    """Record a star; the ledger reason the rule gives it ('star1'...'starN') or why it earns
    nothing. The rule sees how many other members starred the author's answers to this post;
    the stars' UNIQUE key (one per member and message) and the ledger's keep it exactly once."""
    author, post_id = answer
    s = stars.c
    others = await conn.execute(
        select(func.count(s.giver_id.distinct())).where(
            s.guild_id == guild_id,
            s.author_id == author,
            s.daily_post_id == post_id,
            s.giver_id != giver_id,
        )
    )
    reason = rule(author, giver_id, int(others.scalar_one()), cap)
    if reason != "capped" and not reason.startswith("star"):
        return reason  # refused ("self"): not a star at all, nothing recorded
    given = await conn.execute(
        db.insert(stars)
        .values(
            guild_id=guild_id, message_id=message_id, giver_id=giver_id, author_id=author,
            daily_post_id=post_id, given_at=iso(now),
        )
        .on_conflict_do_nothing(index_elements=[s.message_id, s.giver_id])
    )  # fmt: skip
    return reason if given.rowcount else "duplicate"
