"""Reading the boards (top, rank, a member's rows), seasons, board settings, away days,
hidden members and forget-me. Writes of points live in bot/storage/scores.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Text,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)

from bot.storage.backend import Backend
from bot.storage.board_queries import FORGET, LEAVE_LEVELS, MEMBER_SCOPES, OWN, RANK, TOP
from bot.storage.database import from_iso, iso
from bot.storage.guilds import write_audit
from bot.storage.schema import (
    Big,
    away_days,
    board_settings,
    daily_posts,
    forget_requests,
    hidden_members,
    metadata,
    seasons,
    srs_cards,
)

_FORGET = FORGET  # what forget-me deletes, in order: (table, statement)
DELETED = "deleted"
# Kept on purpose, said in the confirmation: an organiser's actions are the server's record.
KEPT_AUDIT = "the audit line that this forget happened, and organisers' setting changes"
KEPT_ORGANISER = (
    "organiser actions (set-up, packs, disabled questions, seasons, best answers, the digest,"
    " the web board's switch)"
)
# Every column that names a member, and what forget-me does with it. A test walks the schema
# on both backends and fails on a column that names a member and is not listed here.
MEMBER_COLUMNS: dict[tuple[str, str], str] = {
    **{(table, "user_id"): DELETED for table, _ in FORGET if table not in (
        "stars", "mock_feedback", "mock_pairs")},
    ("stars", "giver_id"): DELETED,
    ("stars", "author_id"): DELETED,
    ("mock_feedback", "rater_id"): DELETED,
    ("mock_pairs", "inviter_id"): DELETED,
    ("mock_pairs", "partner_id"): DELETED,
    ("mock_pairs", "candidate_id"): DELETED,
    ("srs_cards", "user_id"): DELETED,  # practice schedules are per member, in every server
    ("audit_log", "user_id"): KEPT_AUDIT,
    ("guild_settings", "configured_by"): KEPT_ORGANISER,
    ("guild_disabled_questions", "disabled_by"): KEPT_ORGANISER,
    ("guild_packs", "uploaded_by"): KEPT_ORGANISER,
    ("seasons", "started_by"): KEPT_ORGANISER,
    ("best_answers", "marked_by"): KEPT_ORGANISER,
    ("digest_settings", "updated_by"): KEPT_ORGANISER,
    ("web_boards", "updated_by"): KEPT_ORGANISER,
}  # fmt: skip
# Id columns that never name a member (a run's name, a role, a message, a question, ...).
NOT_MEMBER_COLUMNS = frozenset({
    "guild_id", "channel_id", "message_id", "thread_id", "question_id", "daily_post_id",
    "quiz_session_id", "session_id", "answer_id", "organiser_role_id", "ping_role_id",
    "nudge_role_id", "role_id",  # the role a nudge pings (guild_settings, role_nudges)
    "reveal_claimed_by", "pair_id", "interaction_id",  # button_answers: a modal submit
    "rater",  # mock_ratings.rater is 'self' or 'partner', not an id
})  # fmt: skip


def names_member(column: str) -> bool:
    """Whether a column's name says it may hold an id (the schema test's net)."""
    return column.endswith(("_id", "_by")) or column in ("rater",)


@dataclass(frozen=True, slots=True)
class BoardRow:
    rank: int
    user_id: int
    points: int
    answers: int
    streak: int
    last_answer_date: str | None
    freezes_used: int = 0


@dataclass(frozen=True, slots=True)
class BoardSettings:
    guild_id: int
    week_start: int = 0
    star_emoji: str = "⭐"
    away_per_month: int = 7


@dataclass(frozen=True, slots=True)
class Season:
    guild_id: int
    number: int
    name: str
    started_at: datetime


class BoardRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    # -- boards -----------------------------------------------------------------------------
    async def top(self, guild_id: int, scope: str, *, limit: int, offset: int) -> list[BoardRow]:
        rows = await self.db.fetchall_inline(
            TOP, {"g": guild_id, "s": scope, "n": limit, "o": offset}
        )
        return [BoardRow(i, *r) for i, r in enumerate(rows, start=offset + 1)]

    async def rank(self, guild_id: int, scope: str, user_id: int) -> BoardRow | None:
        """A member's place on a board (hidden members are not counted above them)."""
        rows = await self.db.fetchall_inline(OWN, {"g": guild_id, "s": scope, "u": user_id})
        if not rows:
            return None
        points, answers, streak, last, frozen = rows[0]
        above = await self.db.fetchall_inline(
            RANK, {"g": guild_id, "s": scope, "p": points, "u": user_id}
        )
        return BoardRow(int(above[0][0]) + 1, user_id, points, answers, streak, last, frozen)

    async def member_scopes(self, guild_id: int, user_id: int) -> dict[str, tuple[int, int]]:
        """Every board row of one member: scope -> (points, answers)."""
        rows = await self.db.fetchall_inline(MEMBER_SCOPES, {"g": guild_id, "u": user_id})
        return {r[0]: (r[1], r[2]) for r in rows}

    async def last_revealed_date(self, guild_id: int) -> str | None:
        p = daily_posts.c
        return await self.db.scalar(
            select(func.max(p.local_date)).where(p.guild_id == guild_id, p.state == "revealed")
        )

    # -- settings and seasons ---------------------------------------------------------------
    async def settings(self, guild_id: int) -> BoardSettings:
        b = board_settings.c
        row = await self.db.fetchone(
            select(b.guild_id, b.week_start, b.star_emoji, b.away_per_month).where(
                b.guild_id == guild_id
            )
        )
        return BoardSettings(*row) if row else BoardSettings(guild_id)

    async def set_week_start(self, guild_id: int, user_id: int, day: int, now: datetime) -> bool:
        """True if it changed (audited); the caller rebuilds the week boards."""
        b = board_settings.c
        async with self.db.transaction(("guild", guild_id)) as conn:
            old = (
                await conn.execute(select(b.week_start).where(b.guild_id == guild_id))
            ).scalar_one_or_none() or 0
            if old == day:
                return False
            ins = self.db.insert(board_settings).values(guild_id=guild_id, week_start=day)
            await conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[b.guild_id], set_={"week_start": ins.excluded.week_start}
                )
            )
            await write_audit(conn, guild_id, user_id, "board.week_start", str(old), str(day), now)
            return True

    async def seasons(self, guild_id: int) -> list[Season]:
        s = seasons.c
        rows = await self.db.fetchall(
            select(s.guild_id, s.number, s.name, s.started_at)
            .where(s.guild_id == guild_id)
            .order_by(s.number)
        )
        return [Season(r[0], r[1], r[2], from_iso(r[3])) for r in rows]  # type: ignore[arg-type]

    async def new_season(self, guild_id: int, user_id: int, name: str, now: datetime) -> Season:
        s = seasons.c
        # The next number is read in the INSERT itself: two organisers at once cannot both
        # take it (the second fails on the primary key rather than overwrite).
        next_number = select(
            bindparam("g", type_=Big),
            func.coalesce(func.max(s.number), 0) + 1,
            bindparam("name", type_=Text),  # a parameter: the engine cleans it
            bindparam("at", type_=Text),
            bindparam("by", type_=Big),
        ).where(s.guild_id == bindparam("g", type_=Big))
        stmt = (
            insert(seasons)
            .from_select(["guild_id", "number", "name", "started_at", "started_by"], next_number)
            .returning(s.number)
        )
        values = {"g": guild_id, "name": name, "at": iso(now), "by": user_id}
        async with self.db.transaction(("guild", guild_id)) as conn:
            number = int((await conn.execute(stmt, values)).scalar_one())
            await write_audit(conn, guild_id, user_id, "season.new", None, f"{number}: {name}", now)
        return Season(guild_id, number, name, now)

    # -- away days and hiding ---------------------------------------------------------------
    async def add_away(
        self, guild_id: int, user_id: int, dates: Iterable[str], month_cap: int, now: datetime
    ) -> tuple[list[str], int]:
        """Declare away days, at most ``month_cap`` per calendar month. Returns (dates added,
        dates refused by the cap); dates already declared count as neither."""
        a = away_days.c
        added: list[str] = []
        refused = 0
        async with self.db.transaction(("guild", guild_id)) as conn:
            for day in dates:
                used, already = (
                    await conn.execute(
                        select(func.count(), func.sum(case((a.local_date == day, 1), else_=0)))
                        .where(a.guild_id == guild_id, a.user_id == user_id)
                        .where(a.local_date.like(day[:7] + "-%"))
                    )
                ).one()
                if already:
                    continue
                if used >= month_cap:
                    refused += 1
                    continue
                await conn.execute(
                    insert(away_days).values(
                        guild_id=guild_id, user_id=user_id, local_date=day, declared_at=iso(now)
                    )
                )
                added.append(day)
        return added, refused

    async def set_hidden(self, guild_id: int, user_id: int, hidden: bool, now: datetime) -> bool:
        """True if it changed."""
        h = hidden_members.c
        stmt: Any
        if hidden:
            stmt = (
                self.db.insert(hidden_members)
                .values(guild_id=guild_id, user_id=user_id, hidden_at=iso(now))
                .on_conflict_do_nothing()
            )
        else:
            stmt = delete(hidden_members).where(h.guild_id == guild_id, h.user_id == user_id)
        async with self.db.transaction(("guild", guild_id)) as conn:
            return int((await conn.execute(stmt)).rowcount) > 0

    async def is_hidden(self, guild_id: int, user_id: int) -> bool:
        h = hidden_members.c
        row = await self.db.fetchone(
            select(literal_column("1")).where(h.guild_id == guild_id, h.user_id == user_id)
        )
        return row is not None

    # -- forget-me --------------------------------------------------------------------------
    async def request_forget(self, guild_id: int, user_id: int, now: datetime) -> int:
        return await self.db.insert_returning_id(
            insert(forget_requests)
            .values(guild_id=guild_id, user_id=user_id, created_at=iso(now))
            .returning(forget_requests.c.id)
        )

    async def forget(self, request_id: int, user_id: int, now: datetime) -> dict[str, int] | None:
        """Carry out a pending forget-me of its own member: delete their rows from every
        table, audited, in one transaction. None if it was done, cancelled or not theirs."""
        f = forget_requests.c
        async with self.db.transaction(("member", user_id)) as conn:
            # The request goes too: after forgetting, nothing names the member.
            found = await conn.execute(
                delete(forget_requests)
                .where(f.id == request_id, f.user_id == user_id, f.state == "pending")
                .returning(f.guild_id)
            )
            row = found.first()
            if row is None:
                return None
            guild_id = int(row[0])
            # Boards' running totals change below: in step with the guild's other writers.
            await conn.lock(("guild", guild_id))
            member = {"g": guild_id, "u": user_id}
            await conn.execute(LEAVE_LEVELS, member)
            deleted: dict[str, int] = {}
            for table, stmt in FORGET:
                deleted[table] = int((await conn.execute(stmt, member)).rowcount)
            # Practice schedules are per member, not per server.
            cur = await conn.execute(delete(srs_cards).where(srs_cards.c.user_id == user_id))
            deleted["srs_cards"] = int(cur.rowcount)
            summary = ", ".join(f"{t} {n}" for t, n in deleted.items() if n)
            await write_audit(
                conn, guild_id, user_id, "privacy.forget", None, summary or "none", now
            )
        return deleted

    async def forget_owner(self, request_id: int) -> tuple[int, int] | None:
        """(guild, member) of a forget-me request, None if there is none."""
        f = forget_requests.c
        row = await self.db.fetchone(select(f.guild_id, f.user_id).where(f.id == request_id))
        return (int(row[0]), int(row[1])) if row else None

    async def kept_after_forget(self, guild_id: int, user_id: int) -> dict[str, int]:
        """What still names a forgotten member in a guild, by reason (see MEMBER_COLUMNS)."""
        kept: dict[str, int] = {}
        for (table, column), reason in MEMBER_COLUMNS.items():
            if reason == DELETED:
                continue
            t = metadata.tables[table]
            count = await self.db.scalar(
                select(func.count())
                .select_from(t)
                .where(t.c.guild_id == guild_id, t.c[column] == user_id)
            )
            if count:
                kept[reason] = kept.get(reason, 0) + int(count)
        return kept

    async def audit(
        self, guild_id: int, user_id: int, action: str, detail: str, now: datetime
    ) -> None:
        """One audit line (who, what, when), committed before the caller goes on."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            await write_audit(conn, guild_id, user_id, action, None, detail, now)

    async def cancel_forget(self, request_id: int, user_id: int) -> bool:
        f = forget_requests.c
        async with self.db.transaction(("member", user_id)) as conn:
            cur = await conn.execute(
                update(forget_requests)
                .where(f.id == request_id, f.user_id == user_id, f.state == "pending")
                .values(state="cancelled")
            )
            return int(cur.rowcount) > 0
