"""The bank each guild sees: the shipped packs plus that guild's own imported packs."""

from __future__ import annotations

from bot.bank import Bank, Pack, PackError, PackIssue, parse_pack
from bot.storage import Store


class Catalog:
    def __init__(self, base: Bank, store: Store) -> None:
        self.base = base
        self.store = store
        self._cache: dict[int, Bank] = {}

    async def for_guild(self, guild_id: int | None) -> Bank:
        if guild_id is None:
            return self.base
        if guild_id not in self._cache:
            packs = await self.store.guilds.packs(guild_id)
            parsed: list[tuple[Pack, str]] = []
            for stored in packs:
                pack, issues = parse_pack(stored.body, f"{stored.name}.yaml")
                if pack is not None and not issues:
                    parsed.append((pack, stored.body))
            self._cache[guild_id] = Bank.from_packs(parsed, self.base) if parsed else self.base
        return self._cache[guild_id]

    def invalidate(self, guild_id: int) -> None:
        self._cache.pop(guild_id, None)

    async def check_import(self, guild_id: int, text: str, source: str) -> tuple[Pack, Bank]:
        """Validate an uploaded pack against this guild's bank without the pack's old version.

        Raises PackError with every issue (line numbers included).
        """
        pack, issues = parse_pack(text, source)
        if issues or pack is None:
            raise PackError(issues or [PackIssue(source, 1, 1, "empty pack")])
        if not pack.questions:
            raise PackError([PackIssue(source, 1, 1, "pack has no questions")])
        others = [p for p in await self.store.guilds.packs(guild_id) if p.name != pack.name]
        parsed = []
        for stored in others:
            other, found = parse_pack(stored.body, f"{stored.name}.yaml")
            if other is not None and not found:
                parsed.append((other, stored.body))
        base = Bank.from_packs(parsed, self.base) if parsed else self.base
        return pack, Bank.from_packs([(pack, text)], base)
