"""A guild's own question packs: import (validated, then stored), list and remove.

Checking a pack against the guild's other packs and storing it must be one step per guild:
two imports at once would each pass against the packs stored before either, and could store
two packs that claim the same question id. A lock per guild makes it one step; other guilds
are not held.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from bot.bank import MAX_PACK_BYTES, PackError, PackIssue
from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.errors import DrillError
from bot.storage import GuildPack, Store
from bot.validation import echo

# Room for the framing around the list inside Discord's 2,000-character message.
_ISSUES_BUDGET = 1700


def check_pack_size(size: int) -> None:
    """Called on the attachment's declared size before downloading, and on the bytes after."""
    if size > MAX_PACK_BYTES:
        raise DrillError(
            f"That file is {size / 1024:.0f} KiB; a pack may be at most "
            f"{MAX_PACK_BYTES // 1024} KiB."
        )


class PackRejected(DrillError):
    """Every issue of an uploaded pack, with file:line:column, trimmed to fit one message."""

    def __init__(self, issues: Sequence[PackIssue]) -> None:
        self.issues = list(issues)
        lines: list[str] = []
        used = 0
        for issue in self.issues:
            line = str(issue)[:300]
            if used + len(line) + 1 > _ISSUES_BUDGET:
                break
            lines.append(line)
            used += len(line) + 1
        more = len(self.issues) - len(lines)
        tail = f"\n… and {more} more" if more else ""
        count = len(self.issues)
        super().__init__(
            f"Pack not imported: {count} problem{'s' if count != 1 else ''} (nothing was stored)."
            f"\n```\n" + "\n".join(lines) + tail + "\n```"
        )


@dataclass(frozen=True, slots=True)
class PackImport:
    pack: GuildPack
    replaced: GuildPack | None
    topics: tuple[str, ...]  # topic slugs the pack defines


class PackShelf:
    def __init__(self, store: Store, catalog: Catalog, clock: Clock) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def import_pack(
        self, guild_id: int, user_id: int, filename: str, data: bytes
    ) -> PackImport:
        """Validate with the bank's own loader against this guild's bank; store only if clean."""
        check_pack_size(len(data))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise DrillError("That file is not UTF-8 text; upload the pack's .yaml file.") from None
        async with self._lock(guild_id):
            try:
                pack, _ = await self.catalog.check_import(guild_id, text, filename)
            except PackError as exc:
                raise PackRejected(exc.issues) from None
            stored = GuildPack(
                guild_id,
                pack.name,
                pack.version,
                text,
                len(pack.questions),
                user_id,
                self.clock.now(),
            )
            replaced = await self.store.guilds.save_pack(stored)
            self.catalog.invalidate(guild_id)
        return PackImport(stored, replaced, tuple(t.slug for t in pack.topics))

    async def packs(self, guild_id: int) -> list[GuildPack]:
        return await self.store.guilds.packs(guild_id)

    async def remove_pack(self, guild_id: int, user_id: int, name: str) -> GuildPack:
        async with self._lock(guild_id):
            removed = await self.store.guilds.remove_pack(
                guild_id, name.strip(), user_id, self.clock.now()
            )
            if removed is not None:
                self.catalog.invalidate(guild_id)
                return removed
        names = [p.name for p in await self.store.guilds.packs(guild_id)]
        have = f" This server's packs: {echo(', '.join(names), 1000)}." if names else ""
        raise DrillError(f"This server has no pack named '{echo(name)}'.{have}")
