"""Hide from the boards, show again, and forget-me (after a confirmation), without Discord."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import Clock
from bot.errors import DrillError
from bot.storage import Store

log = logging.getLogger(__name__)

DONE = "That request was already carried out or cancelled; nothing changed."


@dataclass(frozen=True, slots=True)
class Forgotten:
    rows: int  # deleted
    deleted: dict[str, int]  # per table
    kept: dict[str, int]  # rows that still name the member, per reason


class PrivacyService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def is_hidden(self, guild_id: int, user_id: int) -> bool:
        return await self.store.boards.is_hidden(guild_id, user_id)

    async def hide(self, guild_id: int, user_id: int) -> bool:
        return await self.store.boards.set_hidden(guild_id, user_id, True, self.clock.now())

    async def show(self, guild_id: int, user_id: int) -> bool:
        return await self.store.boards.set_hidden(guild_id, user_id, False, self.clock.now())

    async def request_forget(self, guild_id: int, user_id: int) -> int:
        return await self.store.boards.request_forget(guild_id, user_id, self.clock.now())

    async def forget(self, request_id: int, user_id: int) -> Forgotten:
        """Carry out a confirmed forget-me; refuses a second press. Says what was deleted and
        what still names the member here, and why (the confirmation lists it)."""
        owner = await self.store.boards.forget_owner(request_id)
        deleted = await self.store.boards.forget(request_id, user_id, self.clock.now())
        if deleted is None or owner is None:
            raise DrillError(
                "Nothing to confirm: that request was already carried out or cancelled."
            )
        # Deleted text must not linger in the database's write-ahead log either.
        await self.store.db.scrub()
        kept = await self.store.boards.kept_after_forget(owner[0], user_id)
        log.info("forgot a member: %d row(s)", sum(deleted.values()))
        return Forgotten(sum(deleted.values()), deleted, kept)

    async def cancel(self, request_id: int, user_id: int) -> None:
        if not await self.store.boards.cancel_forget(request_id, user_id):
            raise DrillError(
                "Nothing to cancel: that request was already carried out or cancelled."
            )
