"""Guild settings, enabled topics, disabled questions, guild packs, audit log and notices."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from bot.storage.backend import Backend, Connection
from bot.storage.database import from_iso, iso
from bot.storage.models import AuditEntry, GuildPack, GuildSettings

# Settings an organiser may change, with how each is stored.
EDITABLE = (
    "channel_id",
    "post_time",
    "timezone",
    "weekdays",
    "reveal_after_minutes",
    "organiser_role_id",
    "ping_role_id",
    "pin_posts",
    "paused",
    "configured_by",
    "focus",
    "answer_mode",
    "discussion_minutes",
    "starts_after",
    "nudge_role_id",
    "nudge_hours",
)
# Written by the first change only: later ones keep the value on record.
SET_ONCE = frozenset({"configured_by"})
# Bookkeeping that follows an audited change, not a change of its own.
UNAUDITED = frozenset({"starts_after"})


def _weekdays_to_mask(days: frozenset[int]) -> int:
    return sum(1 << d for d in days)


def _mask_to_weekdays(mask: int) -> frozenset[int]:
    return frozenset(d for d in range(7) if mask & (1 << d))


def _column_value(name: str, value: Any) -> Any:
    if name == "weekdays":
        return _weekdays_to_mask(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return iso(value)
    return value


def _display(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if name == "weekdays":
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        return ",".join(names[d] for d in sorted(value))
    return str(value)


class GuildRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def get(self, guild_id: int) -> GuildSettings | None:
        found = await self._settings("WHERE s.guild_id = ?", (guild_id,))
        return found[0] if found else None

    async def get_or_default(self, guild_id: int) -> GuildSettings:
        """The guild's settings, or the defaults; topics an organiser switched off before
        the first /drill setup count either way."""
        settings = await self.get(guild_id)
        if settings is None:
            settings = GuildSettings(guild_id, disabled_topics=await self.disabled_topics(guild_id))
        return settings

    async def configured(self) -> list[GuildSettings]:
        """Every guild with a channel: what each tick walks, so two queries in all."""
        return await self._settings("WHERE s.channel_id IS NOT NULL", ())

    async def _settings(self, where: str, params: tuple[Any, ...]) -> list[GuildSettings]:
        rows = await self.db.fetchall(
            "SELECT s.guild_id, channel_id, post_time, timezone, weekdays, reveal_after_minutes,"
            " organiser_role_id, ping_role_id, pin_posts, paused, configured_by, focus,"
            " answer_mode, discussion_minutes, starts_after, nudge_role_id, nudge_hours"
            f" FROM guild_settings s {where} ORDER BY s.guild_id",
            params,
        )
        if not rows:
            return []
        off: dict[int, set[str]] = {}
        for guild_id, topic in await self.db.fetchall(
            "SELECT d.guild_id, d.topic FROM guild_disabled_topics d"
            f" JOIN guild_settings s ON s.guild_id = d.guild_id {where}",
            params,
        ):
            off.setdefault(guild_id, set()).add(topic)
        return [
            GuildSettings(  # type: ignore[call-arg]  # columns by position (see the *_COLS)
                *r[:4],
                _mask_to_weekdays(r[4]),
                *r[5:8],
                bool(r[8]),
                bool(r[9]),
                r[10],
                frozenset(off.get(r[0], ())),
                *r[11:14],
                from_iso(r[14]) if r[14] else None,
                *r[15:17],
            )
            for r in rows
        ]

    async def update(
        self, guild_id: int, user_id: int, now: datetime, **changes: Any
    ) -> tuple[GuildSettings, list[AuditEntry]]:
        """Change settings and write one audit row per changed field, in one transaction."""
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        async with self.db.transaction(("guild", guild_id)) as conn:
            # Read inside the write transaction: what changed is decided against the row as
            # it is now, so two organisers at once give one audited change, not two.
            current = await self.get(guild_id) or GuildSettings(guild_id)
            changes = {
                k: v
                for k, v in changes.items()
                if not (k in SET_ONCE and getattr(current, k) is not None)
            }
            new = replace(current, **changes)
            stamp = iso(now)
            values = {
                f.name: _column_value(f.name, getattr(new, f.name))
                for f in fields(GuildSettings)
                if f.name in EDITABLE
            }
            cols = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            sets = ", ".join(f"{c} = excluded.{c}" for c in values)
            await conn.execute(
                f"INSERT INTO guild_settings (guild_id, {cols}, created_at, updated_at)"
                f" VALUES (?, {marks}, ?, ?)"
                f" ON CONFLICT (guild_id) DO UPDATE SET {sets}, updated_at = excluded.updated_at",
                (guild_id, *values.values(), stamp, stamp),
            )
            entries = []
            for name in [n for n in changes if n not in UNAUDITED]:
                old, fresh = getattr(current, name), getattr(new, name)
                if old != fresh:
                    entries.append(
                        await _audit(
                            conn,
                            guild_id,
                            user_id,
                            f"set {name}",
                            _display(name, old),
                            _display(name, fresh),
                            now,
                        )
                    )
        return new, entries

    # -- topics and questions ---------------------------------------------------------------
    async def disabled_topics(self, guild_id: int) -> frozenset[str]:
        rows = await self.db.fetchall(
            "SELECT topic FROM guild_disabled_topics WHERE guild_id = ?", (guild_id,)
        )
        return frozenset(r[0] for r in rows)

    async def set_topic_enabled(
        self, guild_id: int, topic: str, enabled: bool, user_id: int, now: datetime
    ) -> bool:
        """Returns True if anything changed (and was audited)."""
        return await self._toggle(
            guild_id,
            f"topic {topic}",
            enabled,
            user_id,
            now,
            (
                "DELETE FROM guild_disabled_topics WHERE guild_id = ? AND topic = ?",
                (guild_id, topic),
            ),
            (
                "INSERT INTO guild_disabled_topics (guild_id, topic) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                (guild_id, topic),
            ),
        )

    async def disabled_questions(self, guild_id: int) -> frozenset[str]:
        rows = await self.db.fetchall(
            "SELECT question_id FROM guild_disabled_questions WHERE guild_id = ?", (guild_id,)
        )
        return frozenset(r[0] for r in rows)

    async def set_question_enabled(
        self, guild_id: int, question_id: str, enabled: bool, user_id: int, now: datetime
    ) -> bool:
        """Returns True if anything changed (and was audited)."""
        return await self._toggle(
            guild_id,
            f"question {question_id}",
            enabled,
            user_id,
            now,
            (
                "DELETE FROM guild_disabled_questions WHERE guild_id = ? AND question_id = ?",
                (guild_id, question_id),
            ),
            (
                "INSERT INTO guild_disabled_questions"
                " (guild_id, question_id, disabled_by, disabled_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (guild_id, question_id, user_id, iso(now)),
            ),
        )

    async def _toggle(
        self,
        guild_id: int,
        subject: str,
        enabled: bool,
        user_id: int,
        now: datetime,
        enable: tuple[str, tuple[Any, ...]],
        disable: tuple[str, tuple[Any, ...]],
    ) -> bool:
        """Enabling deletes a 'disabled' row, disabling inserts one; audit only real changes."""
        sql, params = enable if enabled else disable
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(sql, params)
            changed = cur.rowcount > 0
            if changed:
                before, after = ("disabled", "enabled") if enabled else ("enabled", "disabled")
                await _audit(conn, guild_id, user_id, subject, before, after, now)
        return changed

    # -- guild packs ------------------------------------------------------------------------
    async def save_pack(self, pack: GuildPack) -> GuildPack | None:
        """Store (or replace) a guild's pack; returns the pack it replaced, if any."""
        async with self.db.transaction(("guild", pack.guild_id)) as conn:
            old = await self._pack(conn, pack.guild_id, pack.name)
            await conn.execute(
                "INSERT INTO guild_packs (guild_id, name, version, body, questions, uploaded_by,"
                " uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, name) DO UPDATE SET version = excluded.version,"
                " body = excluded.body, questions = excluded.questions,"
                " uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at",
                (
                    pack.guild_id,
                    pack.name,
                    pack.version,
                    pack.body,
                    pack.questions,
                    pack.uploaded_by,
                    iso(pack.uploaded_at),
                ),
            )
            await _audit(
                conn,
                pack.guild_id,
                pack.uploaded_by,
                f"pack {pack.name}",
                f"v{old.version} ({old.questions} questions)" if old else None,
                f"v{pack.version} ({pack.questions} questions)",
                pack.uploaded_at,
            )
        return old

    async def packs(self, guild_id: int | None = None) -> list[GuildPack]:
        where, params = ("WHERE guild_id = ?", (guild_id,)) if guild_id is not None else ("", ())
        rows = await self.db.fetchall(
            "SELECT guild_id, name, version, body, questions, uploaded_by, uploaded_at"
            f" FROM guild_packs {where} ORDER BY guild_id, name",
            params,
        )
        return [_pack_row(r) for r in rows]

    async def remove_pack(
        self, guild_id: int, name: str, user_id: int, now: datetime
    ) -> GuildPack | None:
        async with self.db.transaction(("guild", guild_id)) as conn:
            old = await self._pack(conn, guild_id, name)
            if old is None:
                return None
            await conn.execute(
                "DELETE FROM guild_packs WHERE guild_id = ? AND name = ?", (guild_id, name)
            )
            await _audit(
                conn,
                guild_id,
                user_id,
                f"pack {name}",
                f"v{old.version} ({old.questions} questions)",
                "removed",
                now,
            )
        return old

    @staticmethod
    async def _pack(conn: Connection, guild_id: int, name: str) -> GuildPack | None:
        cur = await conn.execute(
            "SELECT guild_id, name, version, body, questions, uploaded_by, uploaded_at"
            " FROM guild_packs WHERE guild_id = ? AND name = ?",
            (guild_id, name),
        )
        row = await cur.fetchone()
        return _pack_row(row) if row else None

    # -- audit and notices ------------------------------------------------------------------
    async def audit(
        self,
        guild_id: int,
        user_id: int,
        action: str,
        old: str | None,
        new: str | None,
        now: datetime,
    ) -> AuditEntry:
        async with self.db.transaction(("guild", guild_id)) as conn:
            return await _audit(conn, guild_id, user_id, action, old, new, now)

    async def recent_audit(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            "SELECT id, guild_id, user_id, action, old_value, new_value, at FROM audit_log"
            " WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [
            AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], from_iso(r[6]))  # type: ignore[arg-type]
            for r in rows
        ]

    async def notice_once(self, guild_id: int, kind: str, subject: str, now: datetime) -> bool:
        """True the first time (guild, kind, subject) is noted; False ever after."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "INSERT INTO notices (guild_id, kind, subject, sent_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (guild_id, kind, subject, iso(now)),
            )
            return cur.rowcount > 0

    async def clear_notice(self, guild_id: int, kind: str, subject: str | None = None) -> None:
        """Forget a notice (every subject of ``kind`` when ``subject`` is None), so the next
        occurrence is reported again."""
        if subject is None:
            await self.db.execute(
                "DELETE FROM notices WHERE guild_id = ? AND kind = ?", (guild_id, kind)
            )
        else:
            await self.db.execute(
                "DELETE FROM notices WHERE guild_id = ? AND kind = ? AND subject = ?",
                (guild_id, kind, subject),
            )


async def _audit(
    conn: Connection,
    guild_id: int,
    user_id: int,
    action: str,
    old: str | None,
    new: str | None,
    now: datetime,
) -> AuditEntry:
    cur = await conn.execute(
        "INSERT INTO audit_log (guild_id, user_id, action, old_value, new_value, at)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (guild_id, user_id, action, old, new, iso(now)),
    )
    row = await cur.fetchone()
    return AuditEntry(int(row[0]), guild_id, user_id, action, old, new, now)


def _pack_row(r: Any) -> GuildPack:
    return GuildPack(r[0], r[1], r[2], r[3], r[4], r[5], from_iso(r[6]))  # type: ignore[arg-type]
