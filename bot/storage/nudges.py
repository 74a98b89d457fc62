"""Nudges before the reveal: members' opt-ins, the once-per-member-and-day claims, and the
organisers' role ping claimed once per post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso


@dataclass(frozen=True, slots=True)
class NudgeClaim:
    """A DM claimed but not known to be out: a process died between the claim and the end."""

    user_id: int
    claimed_at: datetime


class NudgeRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    # -- members' settings ------------------------------------------------------------------
    async def turn_on(self, guild_id: int, user_id: int, hours: int, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO nudge_settings (guild_id, user_id, hours_before, set_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
            " hours_before = excluded.hours_before, set_at = excluded.set_at",
            (guild_id, user_id, hours, iso(now)),
        )

    async def turn_off(self, guild_id: int, user_id: int) -> bool:
        """False if it was off already."""
        # the row count, not Backend.execute's row id
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "DELETE FROM nudge_settings WHERE guild_id = ? AND user_id = ?",
                (guild_id, user_id),
            )
            return cur.rowcount > 0

    async def members(self, guild_id: int) -> dict[int, int]:
        """Member -> hours before the reveal, for everyone in the guild who asked."""
        rows = await self.db.fetchall(
            "SELECT user_id, hours_before FROM nudge_settings WHERE guild_id = ?", (guild_id,)
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def guilds(self) -> set[int]:
        """Guilds where a member asked for the DM or organisers chose a role ping."""
        rows = await self.db.fetchall(
            "SELECT guild_id FROM nudge_settings UNION"
            " SELECT guild_id FROM guild_settings WHERE nudge_role_id IS NOT NULL",
            (),
        )
        return {int(r[0]) for r in rows}

    # -- who is left out ----------------------------------------------------------------------
    async def excluded(self, guild_id: int, post_id: int, local_date: str) -> set[int]:
        """Members never nudged for this post: they answered, hid themselves, are away that day,
        or were nudged (or claimed) already."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM answers WHERE daily_post_id = ? AND deleted_at IS NULL"
            " UNION SELECT user_id FROM hidden_members WHERE guild_id = ?"
            " UNION SELECT user_id FROM away_days WHERE guild_id = ? AND local_date = ?"
            " UNION SELECT user_id FROM nudges WHERE guild_id = ? AND local_date = ?",
            (post_id, guild_id, guild_id, local_date, guild_id, local_date),
        )
        return {int(r[0]) for r in rows}

    # -- claims -------------------------------------------------------------------------------
    async def claim(
        self, guild_id: int, user_id: int, local_date: str, post_id: int, now: datetime
    ) -> bool:
        """Before the DM: True for the one caller that may send it, ever."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "INSERT INTO nudges (guild_id, user_id, local_date, daily_post_id, claimed_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id, local_date) DO NOTHING",
                (guild_id, user_id, local_date, post_id, iso(now)),
            )
            return cur.rowcount > 0

    async def done(
        self, guild_id: int, user_id: int, local_date: str, outcome: str, now: datetime
    ) -> None:
        await self.db.execute(
            "UPDATE nudges SET outcome = ?, done_at = ? WHERE guild_id = ? AND user_id = ?"
            " AND local_date = ? AND outcome IS NULL",
            (outcome, iso(now), guild_id, user_id, local_date),
        )

    async def unfinished(self, guild_id: int, local_date: str) -> list[NudgeClaim]:
        rows = await self.db.fetchall(
            "SELECT user_id, claimed_at FROM nudges WHERE guild_id = ? AND local_date = ?"
            " AND outcome IS NULL ORDER BY user_id",
            (guild_id, local_date),
        )
        return [NudgeClaim(int(r[0]), _at(r[1])) for r in rows]

    async def sent(self, guild_id: int, local_date: str) -> dict[int, str | None]:
        """Member -> outcome of the day's claims (None: not known to be out yet)."""
        rows = await self.db.fetchall(
            "SELECT user_id, outcome FROM nudges WHERE guild_id = ? AND local_date = ?",
            (guild_id, local_date),
        )
        return {int(r[0]): r[1] for r in rows}

    # -- the role ping ----------------------------------------------------------------------
    async def claim_role(
        self, guild_id: int, post_id: int, role_id: int, now: datetime
    ) -> tuple[datetime, int | None, bool]:
        """(claimed at, message id once sent, whether this call made the claim)."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "INSERT INTO role_nudges (daily_post_id, guild_id, role_id, claimed_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (daily_post_id) DO NOTHING",
                (post_id, guild_id, role_id, iso(now)),
            )
            made = cur.rowcount > 0
            cur = await conn.execute(
                "SELECT claimed_at, message_id FROM role_nudges WHERE daily_post_id = ?",
                (post_id,),
            )
            row = await cur.fetchone()
        assert row is not None
        return _at(row[0]), row[1], made

    async def role_sent(self, post_id: int, message_id: int) -> None:
        await self.db.execute(
            "UPDATE role_nudges SET message_id = ? WHERE daily_post_id = ?", (message_id, post_id)
        )


def _at(text: str) -> datetime:
    when = from_iso(text)
    assert when is not None
    return when
