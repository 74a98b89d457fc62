"""The web board's rows: each guild's switch, link secret and name; members' display names."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update

from bot.storage.backend import Backend
from bot.storage.database import iso
from bot.storage.guilds import write_audit
from bot.storage.schema import audit_log, hidden_members, member_names, web_boards

NAME_MAX = 100  # Discord's display names are at most 32; nicknames too; keep a margin

# Text is written as execute()'s parameters, not inside the statement: that is where NULs are
# cleaned (bot/storage/engine.py).
_w = web_boards.c
_ROTATE = update(web_boards).where(_w.guild_id == bindparam("g"))
_RENAME = update(web_boards).where(_w.guild_id == bindparam("g"), _w.guild_name != bindparam("n"))
_AUDIT = insert(audit_log)
# Read on page requests: module constants, so fetchall_inline compiles each once and SQLite runs
# them on the loop's own thread (a primary-key read, ~0.02 ms; a trip through SQLAlchemy's async
# engine and aiosqlite's thread cost ~1 ms of CPU, most of a page's: issue 29).
_ACCESS = select(_w.guild_id, _w.enabled, _w.secret, _w.guild_name).where(
    _w.guild_id == bindparam("g")
)
HIDDEN_INLINE = 256  # a guild with more hidden members is asked about a page's members only
_h = hidden_members.c
_HIDDEN = select(_h.user_id).where(_h.guild_id == bindparam("g")).limit(HIDDEN_INLINE + 1)


@dataclass(frozen=True, slots=True)
class WebAccess:
    guild_id: int
    enabled: bool
    secret: bytes
    guild_name: str


def _new_secret() -> str:
    return secrets.token_hex(32)


class WebRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def access(self, guild_id: int) -> WebAccess | None:
        rows = await self.db.fetchall_inline(_ACCESS, {"g": guild_id})
        if not rows:
            return None
        row = rows[0]
        return WebAccess(int(row[0]), bool(row[1]), bytes.fromhex(row[2]), row[3])

    async def hidden(self, guild_id: int, user_ids: Sequence[int]) -> set[int]:
        """Which of these members hid themselves from the boards. Read on every page request
        (a member who hides is gone from the next page, whichever process serves it), so it is
        the guild's hidden members by primary key, inline; a guild with more than
        ``HIDDEN_INLINE`` of them is asked about these members only."""
        rows = await self.db.fetchall_inline(_HIDDEN, {"g": guild_id})
        if len(rows) > HIDDEN_INLINE:
            rows = await self.db.fetchall(
                select(_h.user_id).where(_h.guild_id == guild_id, _h.user_id.in_(user_ids))
            )
        return {int(r[0]) for r in rows}.intersection(user_ids)

    async def set_enabled(
        self, guild_id: int, user_id: int, enabled: bool, guild_name: str, now: datetime
    ) -> bool:
        """Turn the guild's board on or off; True if that changed it (audited). The first
        time, the guild gets its secret."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            row = (await conn.execute(select(_w.enabled).where(_w.guild_id == guild_id))).first()
            old = bool(row[0]) if row else False
            ins = self.db.insert(web_boards)
            await conn.execute(
                ins.on_conflict_do_update(  # the secret stays: only the first insert makes one
                    index_elements=[_w.guild_id],
                    set_={
                        c: ins.excluded[c]
                        for c in ("enabled", "guild_name", "updated_by", "updated_at")
                    },
                ),
                {
                    "guild_id": guild_id,
                    "enabled": int(enabled),
                    "secret": _new_secret(),
                    "guild_name": guild_name[:NAME_MAX],
                    "updated_by": user_id,
                    "updated_at": iso(now),
                },
            )
            if old == enabled:
                return False
            await write_audit(conn, guild_id, user_id, "web.enabled", str(old), str(enabled), now)
            return True

    async def rotate(self, guild_id: int, user_id: int, now: datetime) -> bool:
        """A new secret: every link signed with the old one stops working. False if the
        guild never had a board."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                _ROTATE,
                {
                    "g": guild_id,
                    "secret": _new_secret(),
                    "updated_by": user_id,
                    "updated_at": iso(now),
                },
            )
            if cur.rowcount == 0:
                return False
            await write_audit(conn, guild_id, user_id, "web.rotate", None, "new secret", now)
            return True

    async def set_guild_name(self, guild_id: int, name: str) -> None:
        name = name[:NAME_MAX]
        await self.db.execute(_RENAME, {"g": guild_id, "n": name, "guild_name": name})

    # -- display names ----------------------------------------------------------------------
    async def remember_names(self, names: Sequence[tuple[int, int, str]], now: datetime) -> None:
        """(guild, member, display name) rows, in one transaction."""
        if not names:
            return
        ins = self.db.insert(member_names)
        stmt = ins.on_conflict_do_update(
            index_elements=[member_names.c.guild_id, member_names.c.user_id],
            set_={"display_name": ins.excluded.display_name, "seen_at": ins.excluded.seen_at},
        )
        seen = iso(now)
        rows = [
            {"guild_id": g, "user_id": u, "display_name": name[:NAME_MAX], "seen_at": seen}
            for g, u, name in names
        ]
        async with self.db.transaction() as conn:
            await conn.execute(stmt, rows)

    async def names(self, guild_id: int, user_ids: Sequence[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        n = member_names.c
        rows = await self.db.fetchall(
            select(n.user_id, n.display_name).where(n.guild_id == guild_id, n.user_id.in_(user_ids))
        )
        return {int(r[0]): r[1] for r in rows}
