"""Display names as the bot sees them, so pages never show ids.

The glue calls ``seen`` with each answer's author and each interaction's member. Nothing is
awaited on that path: a name that changed (or was not seen for ``REFRESH`` seconds) joins a
pending batch that one write stores ``FLUSH_SECONDS`` later, so answer ingestion pays a dict
look-up, not a transaction. Reads see pending names too. A name forget-me deleted comes back
only when the member takes part again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict

from bot.clock import Clock
from bot.storage import Store

log = logging.getLogger(__name__)

KEEP = 20_000  # (guild, member) pairs remembered
REFRESH = 3600.0
FLUSH_SECONDS = 2.0


class NameBook:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._known: OrderedDict[tuple[int, int], tuple[str, float]] = OrderedDict()
        self._pending: dict[tuple[int, int], str] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task[int] | None = None

    def seen(self, guild_id: int, user_id: int, name: str) -> None:
        name = " ".join(name.split())
        if not name:
            return
        key = (guild_id, user_id)
        known = self._known.get(key)
        now = time.monotonic()
        if known is not None and known[0] == name and now - known[1] < REFRESH:
            return
        self._known[key] = (name, now)
        self._known.move_to_end(key)
        while len(self._known) > KEEP:
            self._known.popitem(last=False)
        self._pending[key] = name
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(FLUSH_SECONDS, self._start_flush)

    def _start_flush(self) -> None:
        self._timer = None
        self._flushing = asyncio.get_running_loop().create_task(self.flush(), name="names")

    async def flush(self) -> int:
        """Store the pending names now; returns how many."""
        batch, self._pending = self._pending, {}
        if not batch:
            return 0
        try:
            await self.store.web.remember_names(
                [(g, u, name) for (g, u), name in batch.items()], self.clock.now()
            )
        except Exception:
            log.exception("could not store %d display name(s)", len(batch))
            for key in batch:
                self._known.pop(key, None)  # seen again, tried again
        return len(batch)

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing
        await self.flush()

    async def names(self, guild_id: int, user_ids: list[int]) -> dict[int, str]:
        """These members' names as stored, and as seen since (not stored yet)."""
        return self.pending(guild_id, await self.store.web.names(guild_id, user_ids), user_ids)

    async def hidden(self, guild_id: int, user_ids: list[int]) -> set[int]:
        """Which of these members are hidden from the boards, read now (never cached)."""
        return await self.store.web.hidden(guild_id, user_ids)

    def pending(self, guild_id: int, names: dict[int, str], user_ids: list[int]) -> dict[int, str]:
        """``names`` with the names seen since the last flush for these members: a copy when
        any differs (``names`` may be a cached page's)."""
        fresh = None
        for user_id in user_ids:
            name = self._pending.get((guild_id, user_id))
            if name is not None and names.get(user_id) != name:
                fresh = fresh if fresh is not None else dict(names)
                fresh[user_id] = name
        return names if fresh is None else fresh
