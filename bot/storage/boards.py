"""Reading the boards (top, rank, a member's rows), seasons, board settings, away days,
hidden members and forget-me. Writes of points live in bot/storage/scores.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso

# Boards read the rank index only; INDEXED BY keeps the plan after ANALYZE as well.
_NOT_HIDDEN = (
    "NOT EXISTS (SELECT 1 FROM hidden_members h WHERE h.guild_id = t.guild_id"
    " AND h.user_id = t.user_id)"
)
_TOP_SQL = (
    "SELECT t.user_id, t.points, t.answers, COALESCE(m.streak, 0), m.last_answer_date,"
    " COALESCE(m.freezes_used, 0) FROM score_totals t INDEXED BY score_totals_rank"
    " LEFT JOIN member_stats m ON m.guild_id = t.guild_id AND m.user_id = t.user_id"
    f" WHERE t.guild_id = ? AND t.scope = ? AND {_NOT_HIDDEN}"
    " ORDER BY t.points DESC, t.user_id LIMIT ? OFFSET ?"
)
# A rank: members on higher levels, ties with a smaller id, minus hidden members above.
_RANK_SQL = (
    "SELECT (SELECT COALESCE(SUM(members), 0) FROM score_levels"
    " WHERE guild_id = ?1 AND scope = ?2 AND points > ?3)"
    " + (SELECT COUNT(*) FROM score_totals INDEXED BY score_totals_rank"
    " WHERE guild_id = ?1 AND scope = ?2 AND points = ?3 AND user_id < ?4)"
    " - (SELECT COUNT(*) FROM hidden_members h WHERE h.guild_id = ?1 AND EXISTS ("
    "SELECT 1 FROM score_totals t WHERE t.guild_id = ?1 AND t.scope = ?2"
    " AND t.user_id = h.user_id AND (t.points > ?3 OR (t.points = ?3 AND t.user_id < ?4))))"
)
_OWN_SQL = (
    "SELECT t.points, t.answers, COALESCE(m.streak, 0), m.last_answer_date,"
    " COALESCE(m.freezes_used, 0) FROM score_totals t LEFT JOIN member_stats m"
    " ON m.guild_id = t.guild_id AND m.user_id = t.user_id"
    " WHERE t.guild_id = ? AND t.scope = ? AND t.user_id = ?"
)
# Tables holding a member's own data, deleted by forget-me, in this order (?1 the guild, ?2 the
# member). A member's answers in a blind post go with their entry; the feedback they wrote on a
# partner's round goes, the partner's round stays; a study plan made here goes (its reminders
# with it).
_FORGET = (
    ("blind_entries", "user_id = ?2 AND daily_post_id IN"
     " (SELECT id FROM daily_posts WHERE guild_id = ?1)"),
    ("answers", "guild_id = ?1 AND user_id = ?2"),
    ("quiz_sessions", "guild_id = ?1 AND user_id = ?2"),
    ("points", "guild_id = ?1 AND user_id = ?2"),
    ("member_stats", "guild_id = ?1 AND user_id = ?2"),
    ("streak_freezes", "guild_id = ?1 AND user_id = ?2"),
    ("nudge_settings", "guild_id = ?1 AND user_id = ?2"),
    ("nudges", "guild_id = ?1 AND user_id = ?2"),
    ("score_totals", "guild_id = ?1 AND user_id = ?2"),
    ("stars", "guild_id = ?1 AND (giver_id = ?2 OR author_id = ?2)"),
    ("best_answers", "guild_id = ?1 AND user_id = ?2"),
    ("away_days", "guild_id = ?1 AND user_id = ?2"),
    ("hidden_members", "guild_id = ?1 AND user_id = ?2"),
    ("reports", "guild_id = ?1 AND user_id = ?2"),
    ("forget_requests", "guild_id = ?1 AND user_id = ?2"),
    ("mock_feedback", "rater_id = ?2 AND session_id IN"
     " (SELECT id FROM mock_sessions WHERE guild_id = ?1)"),
    ("mock_pairs", "guild_id = ?1 AND (inviter_id = ?2 OR partner_id = ?2 OR candidate_id = ?2)"),
    # Its items, answers, ratings and partner feedback go with it (ON DELETE CASCADE).
    ("mock_sessions", "guild_id = ?1 AND user_id = ?2"),
    ("study_plans", "user_id = ?2 AND (guild_id = ?1 OR guild_id IS NULL)"),
    ("member_names", "guild_id = ?1 AND user_id = ?2"),  # the web board's display names
)  # fmt: skip
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
    **{(table, "user_id"): DELETED for table, _ in _FORGET if table not in (
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
        rows = await self.db.fetchall_inline(_TOP_SQL, (guild_id, scope, limit, offset))
        return [BoardRow(i, *r) for i, r in enumerate(rows, start=offset + 1)]

    async def rank(self, guild_id: int, scope: str, user_id: int) -> BoardRow | None:
        """A member's place on a board (hidden members are not counted above them)."""
        rows = await self.db.fetchall_inline(_OWN_SQL, (guild_id, scope, user_id))
        if not rows:
            return None
        points, answers, streak, last, frozen = rows[0]
        above = await self.db.fetchall_inline(_RANK_SQL, (guild_id, scope, points, user_id))
        return BoardRow(int(above[0][0]) + 1, user_id, points, answers, streak, last, frozen)

    async def member_scopes(self, guild_id: int, user_id: int) -> dict[str, tuple[int, int]]:
        """Every board row of one member: scope -> (points, answers)."""
        rows = await self.db.fetchall_inline(
            "SELECT scope, points, answers FROM score_totals INDEXED BY score_totals_member"
            " WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    async def last_revealed_date(self, guild_id: int) -> str | None:
        row = await self.db.fetchone(
            "SELECT MAX(local_date) FROM daily_posts WHERE guild_id = ? AND state = 'revealed'",
            (guild_id,),
        )
        return row[0] if row else None

    # -- settings and seasons ---------------------------------------------------------------
    async def settings(self, guild_id: int) -> BoardSettings:
        row = await self.db.fetchone(
            "SELECT guild_id, week_start, star_emoji, away_per_month FROM board_settings"
            " WHERE guild_id = ?",
            (guild_id,),
        )
        return BoardSettings(*row) if row else BoardSettings(guild_id)

    async def set_week_start(self, guild_id: int, user_id: int, day: int, now: datetime) -> bool:
        """True if it changed (audited); the caller rebuilds the week boards."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "SELECT week_start FROM board_settings WHERE guild_id = ?", (guild_id,)
            )
            row = await cur.fetchone()
            old = row[0] if row else 0
            if old == day:
                return False
            await conn.execute(
                "INSERT INTO board_settings (guild_id, week_start) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET week_start = excluded.week_start",
                (guild_id, day),
            )
            await _audit(conn, guild_id, user_id, "board.week_start", str(old), str(day), now)
            return True

    async def seasons(self, guild_id: int) -> list[Season]:
        rows = await self.db.fetchall(
            "SELECT guild_id, number, name, started_at FROM seasons WHERE guild_id = ?"
            " ORDER BY number",
            (guild_id,),
        )
        return [Season(r[0], r[1], r[2], from_iso(r[3])) for r in rows]  # type: ignore[arg-type]

    async def new_season(self, guild_id: int, user_id: int, name: str, now: datetime) -> Season:
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "INSERT INTO seasons (guild_id, number, name, started_at, started_by)"
                " SELECT ?, COALESCE(MAX(number), 0) + 1, ?, ?, ? FROM seasons WHERE guild_id = ?"
                " RETURNING number",
                (guild_id, name, iso(now), user_id, guild_id),
            )
            row = await cur.fetchone()
            assert row is not None
            await _audit(conn, guild_id, user_id, "season.new", None, f"{row[0]}: {name}", now)
        return Season(guild_id, int(row[0]), name, now)

    # -- away days and hiding ---------------------------------------------------------------
    async def add_away(
        self, guild_id: int, user_id: int, dates: Iterable[str], month_cap: int, now: datetime
    ) -> tuple[list[str], int]:
        """Declare away days, at most ``month_cap`` per calendar month. Returns (dates added,
        dates refused by the cap); dates already declared count as neither."""
        added: list[str] = []
        refused = 0
        async with self.db.transaction(("guild", guild_id)) as conn:
            for day in dates:
                cur = await conn.execute(
                    "SELECT COUNT(*), SUM(CASE WHEN local_date = ? THEN 1 ELSE 0 END)"
                    " FROM away_days WHERE guild_id = ? AND user_id = ? AND local_date LIKE ?",
                    (day, guild_id, user_id, day[:7] + "-%"),
                )
                used, already = await cur.fetchone()
                if already:
                    continue
                if used >= month_cap:
                    refused += 1
                    continue
                await conn.execute(
                    "INSERT INTO away_days (guild_id, user_id, local_date, declared_at)"
                    " VALUES (?, ?, ?, ?)",
                    (guild_id, user_id, day, iso(now)),
                )
                added.append(day)
        return added, refused

    async def set_hidden(self, guild_id: int, user_id: int, hidden: bool, now: datetime) -> bool:
        """True if it changed."""
        if hidden:
            sql = (
                "INSERT INTO hidden_members (guild_id, user_id, hidden_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING"
            )
            params: tuple[object, ...] = (guild_id, user_id, iso(now))
        else:
            sql = "DELETE FROM hidden_members WHERE guild_id = ? AND user_id = ?"
            params = (guild_id, user_id)
        async with self.db.transaction(("guild", guild_id)) as conn:
            return (await conn.execute(sql, params)).rowcount > 0

    async def is_hidden(self, guild_id: int, user_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM hidden_members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return row is not None

    # -- forget-me --------------------------------------------------------------------------
    async def request_forget(self, guild_id: int, user_id: int, now: datetime) -> int:
        return await self.db.insert_returning_id(
            "INSERT INTO forget_requests (guild_id, user_id, created_at) VALUES (?, ?, ?)",
            (guild_id, user_id, iso(now)),
        )

    async def forget(self, request_id: int, user_id: int, now: datetime) -> dict[str, int] | None:
        """Carry out a pending forget-me of its own member: delete their rows from every
        table, audited, in one transaction. None if it was done, cancelled or not theirs."""
        async with self.db.transaction(("member", user_id)) as conn:
            cur = await conn.execute(
                # The request goes too: after forgetting, nothing names the member.
                "DELETE FROM forget_requests WHERE id = ? AND user_id = ?"
                " AND state = 'pending' RETURNING guild_id",
                (request_id, user_id),
            )
            row = await cur.fetchone()
            if row is None:
                return None
            guild_id = int(row[0])
            # Boards' running totals change below: in step with the guild's other writers.
            await conn.lock(("guild", guild_id))
            deleted: dict[str, int] = {}
            await conn.execute(
                "UPDATE score_levels SET members = members - 1 WHERE (guild_id, scope, points)"
                " IN (SELECT guild_id, scope, points FROM score_totals"
                " WHERE guild_id = ? AND user_id = ?)",
                (guild_id, user_id),
            )
            for table, where in _FORGET:
                cur = await conn.execute(f"DELETE FROM {table} WHERE {where}", (guild_id, user_id))
                deleted[table] = cur.rowcount
            # Practice schedules are per member, not per server.
            cur = await conn.execute("DELETE FROM srs_cards WHERE user_id = ?", (user_id,))
            deleted["srs_cards"] = cur.rowcount
            summary = ", ".join(f"{t} {n}" for t, n in deleted.items() if n)
            await _audit(conn, guild_id, user_id, "privacy.forget", None, summary or "none", now)
        return deleted

    async def forget_owner(self, request_id: int) -> tuple[int, int] | None:
        """(guild, member) of a forget-me request, None if there is none."""
        row = await self.db.fetchone(
            "SELECT guild_id, user_id FROM forget_requests WHERE id = ?", (request_id,)
        )
        return (int(row[0]), int(row[1])) if row else None

    async def kept_after_forget(self, guild_id: int, user_id: int) -> dict[str, int]:
        """What still names a forgotten member in a guild, by reason (see MEMBER_COLUMNS)."""
        kept: dict[str, int] = {}
        for (table, column), reason in MEMBER_COLUMNS.items():
            if reason == DELETED:
                continue
            row = await self.db.fetchone(
                f"SELECT COUNT(*) FROM {table} WHERE guild_id = ? AND {column} = ?",
                (guild_id, user_id),
            )
            if row and row[0]:
                kept[reason] = kept.get(reason, 0) + int(row[0])
        return kept

    async def audit(
        self, guild_id: int, user_id: int, action: str, detail: str, now: datetime
    ) -> None:
        """One audit line (who, what, when), committed before the caller goes on."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            await _audit(conn, guild_id, user_id, action, None, detail, now)

    async def cancel_forget(self, request_id: int, user_id: int) -> bool:
        async with self.db.transaction(("member", user_id)) as conn:
            cur = await conn.execute(
                "UPDATE forget_requests SET state = 'cancelled' WHERE id = ? AND user_id = ?"
                " AND state = 'pending'",
                (request_id, user_id),
            )
            return cur.rowcount > 0


async def _audit(
    conn: object, guild_id: int, user_id: int, action: str, old: str | None, new: str, now: datetime
) -> None:
    await conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO audit_log (guild_id, user_id, action, old_value, new_value, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, user_id, action, old, new, iso(now)),
    )
