"""Guild settings, enabled topics, disabled questions, guild packs, audit log and notices."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, delete, insert, select

from bot.storage.backend import Backend, Connection
from bot.storage.database import from_iso, iso
from bot.storage.models import AuditEntry, GuildPack, GuildSettings
from bot.storage.schema import (
    audit_log,
    guild_disabled_questions,
    guild_disabled_topics,
    guild_packs,
    guild_settings,
    notices,
)

# Settings an organiser may change, with how each is stored (in GuildSettings' field order).
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

_s = guild_settings.c
# GuildSettings' stored fields, by position (see _settings): EDITABLE is in the dataclass's order.
_SETTINGS = select(_s.guild_id, *(_s[name] for name in EDITABLE))
# Rows are written with their values as execute()'s parameters (cleaned of NULs there).
_AUDIT = insert(audit_log).returning(audit_log.c.id)
_p = guild_packs.c
_PACKS = select(
    _p.guild_id, _p.name, _p.version, _p.body, _p.questions, _p.uploaded_by, _p.uploaded_at
)


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
        found = await self._settings(_s.guild_id == guild_id)
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
        return await self._settings(_s.channel_id.is_not(None))

    async def _settings(self, where: ColumnElement[bool]) -> list[GuildSettings]:
        rows = await self.db.fetchall(_SETTINGS.where(where).order_by(_s.guild_id))
        if not rows:
            return []
        off: dict[int, set[str]] = {}
        d = guild_disabled_topics.c
        for guild_id, topic in await self.db.fetchall(
            select(d.guild_id, d.topic)
            .join_from(guild_disabled_topics, guild_settings, _s.guild_id == d.guild_id)
            .where(where)
        ):
            off.setdefault(guild_id, set()).add(topic)
        return [
            GuildSettings(  # type: ignore[call-arg]  # columns by position (see _SETTINGS)
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
            ins = self.db.insert(guild_settings)
            await conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[_s.guild_id],
                    set_={c: ins.excluded[c] for c in [*values, "updated_at"]},
                ),
                # Values as parameters, not in the statement: text is cleaned of NULs there.
                {"guild_id": guild_id, **values, "created_at": stamp, "updated_at": stamp},
            )
            entries = []
            for name in [n for n in changes if n not in UNAUDITED]:
                old, fresh = getattr(current, name), getattr(new, name)
                if old != fresh:
                    entries.append(
                        await write_audit(
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
        d = guild_disabled_topics.c
        rows = await self.db.fetchall(select(d.topic).where(d.guild_id == guild_id))
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
            delete(guild_disabled_topics).where(
                guild_disabled_topics.c.guild_id == guild_id,
                guild_disabled_topics.c.topic == topic,
            ),
            self.db.insert(guild_disabled_topics)
            .values(guild_id=guild_id, topic=topic)
            .on_conflict_do_nothing(),
        )

    async def disabled_questions(self, guild_id: int) -> frozenset[str]:
        q = guild_disabled_questions.c
        rows = await self.db.fetchall(select(q.question_id).where(q.guild_id == guild_id))
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
            delete(guild_disabled_questions).where(
                guild_disabled_questions.c.guild_id == guild_id,
                guild_disabled_questions.c.question_id == question_id,
            ),
            self.db.insert(guild_disabled_questions)
            .values(
                guild_id=guild_id,
                question_id=question_id,
                disabled_by=user_id,
                disabled_at=iso(now),
            )
            .on_conflict_do_nothing(),
        )

    async def _toggle(
        self,
        guild_id: int,
        subject: str,
        enabled: bool,
        user_id: int,
        now: datetime,
        enable: Executable,
        disable: Executable,
    ) -> bool:
        """Enabling deletes a 'disabled' row, disabling inserts one; audit only real changes."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(enable if enabled else disable)
            changed = cur.rowcount > 0
            if changed:
                before, after = ("disabled", "enabled") if enabled else ("enabled", "disabled")
                await write_audit(conn, guild_id, user_id, subject, before, after, now)
        return changed

    # -- guild packs ------------------------------------------------------------------------
    async def save_pack(self, pack: GuildPack) -> GuildPack | None:
        """Store (or replace) a guild's pack; returns the pack it replaced, if any."""
        async with self.db.transaction(("guild", pack.guild_id)) as conn:
            old = await self._pack(conn, pack.guild_id, pack.name)
            ins = self.db.insert(guild_packs)
            await conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[_p.guild_id, _p.name],
                    set_={
                        c: ins.excluded[c]
                        for c in ("version", "body", "questions", "uploaded_by", "uploaded_at")
                    },
                ),
                {
                    "guild_id": pack.guild_id,
                    "name": pack.name,
                    "version": pack.version,
                    "body": pack.body,
                    "questions": pack.questions,
                    "uploaded_by": pack.uploaded_by,
                    "uploaded_at": iso(pack.uploaded_at),
                },
            )
            await write_audit(
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
        stmt = _PACKS.order_by(_p.guild_id, _p.name)
        if guild_id is not None:
            stmt = stmt.where(_p.guild_id == guild_id)
        rows = await self.db.fetchall(stmt)
        return [_pack_row(r) for r in rows]

    async def remove_pack(
        self, guild_id: int, name: str, user_id: int, now: datetime
    ) -> GuildPack | None:
        async with self.db.transaction(("guild", guild_id)) as conn:
            old = await self._pack(conn, guild_id, name)
            if old is None:
                return None
            await conn.execute(delete(guild_packs).where(_p.guild_id == guild_id, _p.name == name))
            await write_audit(
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
        row = (await conn.execute(_PACKS.where(_p.guild_id == guild_id, _p.name == name))).first()
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
            return await write_audit(conn, guild_id, user_id, action, old, new, now)

    async def recent_audit(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        a = audit_log.c
        rows = await self.db.fetchall(
            select(a.id, a.guild_id, a.user_id, a.action, a.old_value, a.new_value, a.at)
            .where(a.guild_id == guild_id)
            .order_by(a.id.desc())
            .limit(limit)
        )
        return [
            AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], from_iso(r[6]))  # type: ignore[arg-type]
            for r in rows
        ]

    async def notice_once(self, guild_id: int, kind: str, subject: str, now: datetime) -> bool:
        """True the first time (guild, kind, subject) is noted; False ever after."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                self.db.insert(notices)
                .values(guild_id=guild_id, kind=kind, subject=subject, sent_at=iso(now))
                .on_conflict_do_nothing()
            )
            return cur.rowcount > 0

    async def clear_notice(self, guild_id: int, kind: str, subject: str | None = None) -> None:
        """Forget a notice (every subject of ``kind`` when ``subject`` is None), so the next
        occurrence is reported again."""
        n = notices.c
        stmt = delete(notices).where(n.guild_id == guild_id, n.kind == kind)
        if subject is not None:
            stmt = stmt.where(n.subject == subject)
        await self.db.execute(stmt)


async def write_audit(
    conn: Connection,
    guild_id: int,
    user_id: int,
    action: str,
    old: str | None,
    new: str | None,
    now: datetime,
) -> AuditEntry:
    new_id = (
        await conn.execute(
            _AUDIT,
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "action": action,
                "old_value": old,
                "new_value": new,
                "at": iso(now),
            },
        )
    ).scalar_one()
    return AuditEntry(int(new_id), guild_id, user_id, action, old, new, now)


def _pack_row(r: Any) -> GuildPack:
    return GuildPack(r[0], r[1], r[2], r[3], r[4], r[5], from_iso(r[6]))  # type: ignore[arg-type]
