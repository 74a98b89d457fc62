"""The daily question: what is due, per guild. Posting (bot/daily/posting.py), the answer
log (bot/daily/answers.py) and revealing (bot/daily/revealing.py) do the work; this is the
front the rest of the bot calls: ``run_guild``, ``post_now``, ``reveal_now``,
``recover``, ``backfill``.

The database is the truth about what is due. Work is serialised per guild, never across
guilds: a slow route or a 429 in one guild (a pin can wait 30 s) holds only that guild.
Discord is reached through the ``Publisher`` port (bot/daily/publishing.py), implemented by the glue
in ``cogs/daily.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.daily.answers import AnswerLog
from bot.daily.blind import BlindPublisher
from bot.daily.buttons import ButtonAnswers
from bot.daily.ingest import AnswerWriter
from bot.daily.posting import Poster
from bot.daily.publishing import (
    DailyCard,
    FoundPost,
    HistoryMessage,
    Notice,
    Publisher,
    RevealCard,
    marker_for,
    nonce_for,
    reveal_marker_for,
    thread_name,
)
from bot.daily.revealing import Revealer
from bot.errors import PublishError
from bot.ops.shards import every_guild
from bot.storage import DailyPost, GuildSettings, Store
from bot.storage.streaks import KeptStreak

__all__ = [
    "DailyCard",
    "DailyService",
    "FoundPost",
    "HistoryMessage",
    "Notice",
    "Publisher",
    "RevealCard",
    "marker_for",
    "nonce_for",
    "reveal_marker_for",
    "thread_name",
]

log = logging.getLogger(__name__)


class DailyService:
    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        publisher: Publisher,
        clock: Clock,
        writer: AnswerWriter,
        owns: Callable[[int], bool] = every_guild,
    ) -> None:
        self.store = store
        self.owns = owns  # the guilds of this process's shards (bot/ops/shards.py); all by default
        self.catalog = catalog
        self.publisher = publisher
        self.clock = clock
        self.writer = writer
        self.answers = AnswerLog(store, publisher, writer, clock, owns)
        self.buttons = ButtonAnswers(store, publisher, clock)
        self.poster = Poster(store, catalog, publisher, clock, self.answers)
        self.revealer = Revealer(
            store,
            catalog,
            publisher,
            clock,
            self.answers,
            secrets.token_hex(8),
            BlindPublisher(store, catalog, publisher, clock),
            owns,
            self.buttons,
        )
        self._locks: dict[int, asyncio.Lock] = {}
        self._busy = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    # -- start-up -----------------------------------------------------------------------------
    async def recover(self) -> None:
        """On start: track the open posts, and make reveals a dead run had claimed ours
        (the next tick finishes them at once)."""
        await self.answers.load()
        await self.revealer.take_over()

    async def load_open_posts(self) -> None:
        await self.recover()

    def unblock(self, guild_id: int) -> None:
        """Settings changed: try this guild's channel again."""
        self.poster.unblock(guild_id)

    # -- per-guild serialisation ---------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _guild(self, guild_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        self._busy += 1
        self._quiet.clear()
        try:
            async with lock:
                yield
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._quiet.set()

    async def idle(self) -> None:
        """Return once no tick, post-now or reveal-now is running in any guild."""
        await self._quiet.wait()

    # -- what is due ---------------------------------------------------------------------------
    async def run_guild(self, guild_id: int) -> None:
        """Do what is due in one guild now (the dispatcher's call for a due guild)."""
        now = self.clock.now()
        settings = await self.store.guilds.get_or_default(guild_id)
        due = await self.store.daily.due_reveals(now, guild_id)
        await self._run(guild_id, settings if settings.configured else None, due, now)

    async def _run(
        self,
        guild_id: int,
        settings: GuildSettings | None,
        reveals: list[DailyPost],
        now: datetime,
    ) -> None:
        async with self._guild(guild_id):
            if settings is not None:
                try:
                    await self.poster.post_if_due(settings, now, force=False)
                except Exception:
                    log.exception("daily post for guild %s failed", guild_id)
            for post in reveals:
                try:
                    await self.revealer.reveal(post)
                except Exception:
                    log.exception("reveal of post %s failed", post.id)
            try:
                await self.revealer.lock(guild_id)
            except Exception:
                log.exception("locking the discussion threads of guild %s failed", guild_id)

    # -- organisers' commands ------------------------------------------------------------------
    async def post_now(self, guild_id: int) -> tuple[DailyPost | None, str]:
        """Organiser's /drill post-now: today's post if there is none yet."""
        async with self._guild(guild_id):
            settings = await self.store.guilds.get_or_default(guild_id)
            if not settings.configured:
                return None, "not set up yet: run /drill setup first"
            self.unblock(guild_id)
            return await self.poster.post_if_due(settings, self.clock.now(), force=True)

    async def reveal_now(self, guild_id: int) -> DailyPost | None:
        async with self._guild(guild_id):
            open_posts = await self.store.daily.in_state("posted", guild_id)
            if not open_posts:
                return None
            for post in open_posts:
                await self.revealer.reveal(post)
            return open_posts[-1]

    # -- answers (the cog's listeners and the client's reconnects) -----------------------------
    def post_for(self, channel_id: int, reply_to: int | None) -> DailyPost | None:
        return self.answers.post_for(channel_id, reply_to)

    async def receive(self, channel_id: int, parent_id: int | None, msg: HistoryMessage) -> bool:
        return await self.answers.receive(channel_id, parent_id, msg)

    def takes(self, channel_id: int) -> bool:
        return self.answers.takes(channel_id)

    def offer(self, channel_id: int, msg: HistoryMessage) -> asyncio.Future[None] | None:
        return self.answers.offer(channel_id, msg)

    def nothing_to_tell(self, guild_id: int, user_id: int) -> bool:
        """Known without a read: no streak freeze of the member's is waiting to be told."""
        return self.answers.kept.known_nothing(guild_id, user_id)

    async def answered(self, post: DailyPost) -> set[int]:
        """Who has answered an open post as Discord has it now: the thread is read back
        first, so an answer given a second ago counts (stored answers if it cannot be read)."""
        if not post.blind:
            try:
                await self.answers.catch_up(post)
            except PublishError as exc:
                log.warning("reading the answers of post %s failed: %s", post.id, exc)
        return {a.user_id for a in await self.store.answers.for_post(post.id)}

    async def kept_streaks(self, guild_id: int, user_id: int) -> list[KeptStreak]:
        """After a member's answer: the streak freezes spent for them that they have not been
        told of, each returned once (marked told before the glue sends the DM)."""
        return await self.answers.kept.after_answer(guild_id, user_id)

    async def record_edit(self, message_id: int, content: str) -> bool:
        return await self.answers.record_edit(message_id, content)

    async def record_delete(self, message_id: int) -> bool:
        return await self.answers.record_delete(message_id)

    async def backfill(self) -> int:
        stored = await self.answers.backfill()
        # Button answers a run that died left unsent go out now (looked for in the thread first).
        await self.buttons.recover(await self.answers.open_posts())
        return stored
