"""The web board's rows: each guild's switch, link secret and name; members' display names."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.backend import Backend
from bot.storage.database import iso

NAME_MAX = 100  # Discord's display names are at most 32; nicknames too; keep a margin


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
        row = await self.db.fetchone(
            "SELECT guild_id, enabled, secret, guild_name FROM web_boards WHERE guild_id = ?",
            (guild_id,),
        )
        if row is None:
            return None
        return WebAccess(int(row[0]), bool(row[1]), bytes.fromhex(row[2]), row[3])

    async def set_enabled(
        self, guild_id: int, user_id: int, enabled: bool, guild_name: str, now: datetime
    ) -> bool:
        """Turn the guild's board on or off; True if that changed it (audited). The first
        time, the guild gets its secret."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "SELECT enabled FROM web_boards WHERE guild_id = ?", (guild_id,)
            )
            row = await cur.fetchone()
            old = bool(row[0]) if row else False
            await conn.execute(
                "INSERT INTO web_boards (guild_id, enabled, secret, guild_name, updated_by,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET"
                " enabled = excluded.enabled, guild_name = excluded.guild_name,"
                " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                (guild_id, int(enabled), _new_secret(), guild_name[:NAME_MAX], user_id, iso(now)),
            )
            if old == enabled:
                return False
            await _audit(conn, guild_id, user_id, "web.enabled", str(old), str(enabled), now)
            return True

    async def rotate(self, guild_id: int, user_id: int, now: datetime) -> bool:
        """A new secret: every link signed with the old one stops working. False if the
        guild never had a board."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "UPDATE web_boards SET secret = ?, updated_by = ?, updated_at = ?"
                " WHERE guild_id = ?",
                (_new_secret(), user_id, iso(now), guild_id),
            )
            if cur.rowcount == 0:
                return False
            await _audit(conn, guild_id, user_id, "web.rotate", None, "new secret", now)
            return True

    async def set_guild_name(self, guild_id: int, name: str) -> None:
        await self.db.execute(
            "UPDATE web_boards SET guild_name = ? WHERE guild_id = ? AND guild_name <> ?",
            (name[:NAME_MAX], guild_id, name[:NAME_MAX]),
        )

    async def names_and_hidden(
        self, guild_id: int, user_ids: Sequence[int]
    ) -> tuple[dict[int, str], set[int]]:
        """The display names of these members, and which of them are hidden from the boards:
        one read by primary key for a whole page, on the loop's own read-only connection: run
        on every page request, it must not wait behind the answer writer (issue 29)."""
        marks = ", ".join("?" for _ in user_ids)
        rows = await self.db.fetchall_inline(
            "SELECT user_id, display_name, 0 FROM member_names"
            f" WHERE guild_id = ? AND user_id IN ({marks})"
            " UNION ALL SELECT user_id, NULL, 1 FROM hidden_members"
            f" WHERE guild_id = ? AND user_id IN ({marks})",
            (guild_id, *user_ids, guild_id, *user_ids),
        )
        names = {int(r[0]): r[1] for r in rows if not r[2]}
        return names, {int(r[0]) for r in rows if r[2]}

    # -- display names ----------------------------------------------------------------------
    async def remember_names(self, names: Sequence[tuple[int, int, str]], now: datetime) -> None:
        """(guild, member, display name) rows, in one transaction."""
        async with self.db.transaction() as conn:
            for guild_id, user_id, name in names:
                await conn.execute(
                    "INSERT INTO member_names (guild_id, user_id, display_name, seen_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
                    " display_name = excluded.display_name, seen_at = excluded.seen_at",
                    (guild_id, user_id, name[:NAME_MAX], iso(now)),
                )

    async def names(self, guild_id: int, user_ids: Sequence[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = await self.db.fetchall_inline(  # by primary key, as names_and_hidden
            "SELECT user_id, display_name FROM member_names"
            f" WHERE guild_id = ? AND user_id IN ({marks})",
            (guild_id, *user_ids),
        )
        return {int(r[0]): r[1] for r in rows}


async def _audit(
    conn: object, guild_id: int, user_id: int, action: str, old: str | None, new: str, now: datetime
) -> None:
    await conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO audit_log (guild_id, user_id, action, old_value, new_value, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, user_id, action, old, new, iso(now)),
    )
