"""The bank each guild sees: the shipped packs plus that guild's own imported packs.

Parsing a pack is CPU work proportional to its size: it runs in a worker thread, never on the
event loop, so one guild's 256 KiB import does not stall another guild's /quiz. An import is
also cut off after ``parse_seconds`` (the walk checks a deadline; the wait is bounded too).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from bot.bank import Bank, Pack, PackError, PackIssue, parse_pack
from bot.bank.parse import PackTooSlow
from bot.storage import Store

log = logging.getLogger(__name__)

# A 256 KiB pack checks in ~0.2 s on one core; the cap leaves room for a busy machine.
PARSE_SECONDS = 5.0


def _too_slow(source: str, seconds: float) -> PackError:
    return PackError(
        [PackIssue(source, 1, 1, f"checking the pack took longer than {seconds:g} s; split it")]
    )


def _merge(base: Bank, bodies: Sequence[tuple[str, str]], deadline: float | None) -> Bank:
    """The base bank plus every stored pack that still parses cleanly (runs in a thread)."""
    parsed: list[tuple[Pack, str]] = []
    for name, body in bodies:
        pack, issues = parse_pack(body, f"{name}.yaml", deadline=deadline)
        if pack is not None and not issues:
            parsed.append((pack, body))
    if not parsed:
        return base
    try:
        return Bank.from_packs(parsed, base)
    except PackError:
        # Stored packs that clash (stored before a check existed, or the shipped bank grew an
        # id a guild pack uses): keep every pack that fits rather than lose the guild's bank.
        bank = base
        for item in parsed:
            try:
                bank = Bank.from_packs([item], bank)
            except PackError as exc:
                log.warning("guild pack %s left out: %s", item[0].name, exc.issues[0])
        return bank


def _check(
    base: Bank, others: Sequence[tuple[str, str]], text: str, source: str, deadline: float
) -> tuple[Pack, Bank]:
    pack, issues = parse_pack(text, source, deadline=deadline)
    if issues or pack is None:
        raise PackError(issues or [PackIssue(source, 1, 1, "empty pack")])
    if not pack.questions:
        raise PackError([PackIssue(source, 1, 1, "pack has no questions")])
    merged = _merge(base, [(n, b) for n, b in others if n != pack.name], deadline)
    return pack, Bank.from_packs([(pack, text)], merged)


class Catalog:
    def __init__(self, base: Bank, store: Store, *, parse_seconds: float = PARSE_SECONDS) -> None:
        self.base = base
        self.store = store
        self.parse_seconds = parse_seconds
        self._cache: dict[int, Bank] = {}
        # Bumped by invalidate(): a build that started before a change must not be cached.
        self._generation: dict[int, int] = {}

    async def for_guild(self, guild_id: int | None) -> Bank:
        if guild_id is None:
            return self.base
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        generation = self._generation.get(guild_id, 0)
        packs = await self.store.guilds.packs(guild_id)
        if not packs:
            bank = self.base
        else:
            # Stored packs passed the import check, so no deadline: a rebuild must not drop
            # a guild's questions because the machine was busy.
            bodies = [(p.name, p.body) for p in packs]
            bank = await asyncio.to_thread(_merge, self.base, bodies, None)
        if self._generation.get(guild_id, 0) == generation:
            self._cache[guild_id] = bank
        return bank

    def invalidate(self, guild_id: int) -> None:
        self._generation[guild_id] = self._generation.get(guild_id, 0) + 1
        self._cache.pop(guild_id, None)

    async def check_import(self, guild_id: int, text: str, source: str) -> tuple[Pack, Bank]:
        """Validate an uploaded pack against this guild's bank without the pack's old version.

        Raises PackError with every issue (line numbers included), also when checking takes
        longer than ``parse_seconds``.
        """
        others = [(p.name, p.body) for p in await self.store.guilds.packs(guild_id)]
        deadline = time.monotonic() + self.parse_seconds
        work = asyncio.to_thread(_check, self.base, others, text, source, deadline)
        try:
            # The walk stops itself at the deadline; the grace covers the one C call
            # (composing, ~0.15 s for 256 KiB) that cannot look at the clock.
            return await asyncio.wait_for(work, self.parse_seconds + 1.0)
        except (PackTooSlow, TimeoutError):
            raise _too_slow(source, self.parse_seconds) from None
