"""Nudges before the reveal: members' opt-ins, the once-per-member-and-day claims, and the
organisers' role ping claimed once per post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, union, update

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso
from bot.storage.schema import (
    answers,
    away_days,
    guild_settings,
    hidden_members,
    nudge_settings,
    nudges,
    role_nudges,
)

_ns, _n, _r = nudge_settings.c, nudges.c, role_nudges.c


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
        ins = self.db.insert(nudge_settings).values(
            guild_id=guild_id, user_id=user_id, hours_before=hours, set_at=iso(now)
        )
        await self.db.execute(
            ins.on_conflict_do_update(
                index_elements=[_ns.guild_id, _ns.user_id],
                set_={"hours_before": ins.excluded.hours_before, "set_at": ins.excluded.set_at},
            )
        )

    async def turn_off(self, guild_id: int, user_id: int) -> bool:
        """False if it was off already."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                delete(nudge_settings).where(_ns.guild_id == guild_id, _ns.user_id == user_id)
            )
            return cur.rowcount > 0

    async def members(self, guild_id: int) -> dict[int, int]:
        """Member -> hours before the reveal, for everyone in the guild who asked."""
        rows = await self.db.fetchall(
            select(_ns.user_id, _ns.hours_before).where(_ns.guild_id == guild_id)
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def guilds(self) -> set[int]:
        """Guilds where a member asked for the DM or organisers chose a role ping."""
        rows = await self.db.fetchall(
            union(
                select(_ns.guild_id),
                select(guild_settings.c.guild_id).where(
                    guild_settings.c.nudge_role_id.is_not(None)
                ),
            )
        )
        return {int(r[0]) for r in rows}

    # -- who is left out ----------------------------------------------------------------------
    async def excluded(self, guild_id: int, post_id: int, local_date: str) -> set[int]:
        """Members never nudged for this post: they answered, hid themselves, are away that day,
        or were nudged (or claimed) already."""
        a, h, w = answers.c, hidden_members.c, away_days.c
        rows = await self.db.fetchall(
            union(
                select(a.user_id).where(a.daily_post_id == post_id, a.deleted_at.is_(None)),
                select(h.user_id).where(h.guild_id == guild_id),
                select(w.user_id).where(w.guild_id == guild_id, w.local_date == local_date),
                select(_n.user_id).where(_n.guild_id == guild_id, _n.local_date == local_date),
            )
        )
        return {int(r[0]) for r in rows}

    # -- claims -------------------------------------------------------------------------------
    async def claim(
        self, guild_id: int, user_id: int, local_date: str, post_id: int, now: datetime
    ) -> bool:
        """Before the DM: True for the one caller that may send it, ever."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                self.db.insert(nudges)
                .values(
                    guild_id=guild_id,
                    user_id=user_id,
                    local_date=local_date,
                    daily_post_id=post_id,
                    claimed_at=iso(now),
                )
                .on_conflict_do_nothing(index_elements=[_n.guild_id, _n.user_id, _n.local_date])
            )
            return cur.rowcount > 0

    async def done(
        self, guild_id: int, user_id: int, local_date: str, outcome: str, now: datetime
    ) -> None:
        await self.db.execute(
            update(nudges)
            .where(
                _n.guild_id == guild_id,
                _n.user_id == user_id,
                _n.local_date == local_date,
                _n.outcome.is_(None),
            )
            .values(outcome=outcome, done_at=iso(now))
        )

    async def unfinished(self, guild_id: int, local_date: str) -> list[NudgeClaim]:
        rows = await self.db.fetchall(
            select(_n.user_id, _n.claimed_at)
            .where(_n.guild_id == guild_id, _n.local_date == local_date, _n.outcome.is_(None))
            .order_by(_n.user_id)
        )
        return [NudgeClaim(int(r[0]), _at(r[1])) for r in rows]

    async def sent(self, guild_id: int, local_date: str) -> dict[int, str | None]:
        """Member -> outcome of the day's claims (None: not known to be out yet)."""
        rows = await self.db.fetchall(
            select(_n.user_id, _n.outcome).where(
                _n.guild_id == guild_id, _n.local_date == local_date
            )
        )
        return {int(r[0]): r[1] for r in rows}

    # -- the role ping ----------------------------------------------------------------------
    async def claim_role(
        self, guild_id: int, post_id: int, role_id: int, now: datetime
    ) -> tuple[datetime, int | None, bool]:
        """(claimed at, message id once sent, whether this call made the claim)."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                self.db.insert(role_nudges)
                .values(
                    daily_post_id=post_id, guild_id=guild_id, role_id=role_id, claimed_at=iso(now)
                )
                .on_conflict_do_nothing(index_elements=[_r.daily_post_id])
            )
            made = cur.rowcount > 0
            row = (
                await conn.execute(
                    select(_r.claimed_at, _r.message_id).where(_r.daily_post_id == post_id)
                )
            ).first()
        assert row is not None
        return _at(row[0]), row[1], made

    async def role_sent(self, post_id: int, message_id: int) -> None:
        await self.db.execute(
            update(role_nudges).where(_r.daily_post_id == post_id).values(message_id=message_id)
        )


def _at(text: str) -> datetime:
    when = from_iso(text)
    assert when is not None
    return when
