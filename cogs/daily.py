"""Daily question glue: the Publisher that speaks discord.py, and the message listeners."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from asyncio import Future
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord.ext import commands

from bot.daily.publishing import (
    AnswerPart,
    ButtonPost,
    DailyCard,
    FoundPost,
    HistoryMessage,
    Notice,
    RevealCard,
)
from bot.daily.service import DailyService
from bot.errors import Gone, MissingPermissions, TransientFailure
from bot.storage.streaks import KeptStreak
from bot.web.names import NameBook
from cogs import blind, cards, quiz_views
from cogs.answer_payload import raw_history, raw_name, shortcut_missing
from cogs.render import kept_text

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
ActionRow = discord.ui.ActionRow[Any]


def part_nonce(nonce: str, n: int) -> str:
    """The nonce of part ``n`` of a message sent in several parts (Discord: 25 characters)."""
    return hashlib.sha1(f"{nonce}:{n}".encode()).hexdigest()[:25]


NO_MENTIONS = discord.AllowedMentions.none()


@contextlib.asynccontextmanager
async def translated(what: str) -> AsyncIterator[None]:
    """Map discord.py failures to the core's: 403 never loops, the rest is retried later."""
    try:
        yield
    except discord.Forbidden as exc:
        raise MissingPermissions(f"{what}: {exc.text or 'Missing Permissions'}") from exc
    except discord.NotFound as exc:
        raise Gone(f"{what}: {exc.text}") from exc
    except discord.RateLimited as exc:
        raise TransientFailure(f"{what}: rate limited", exc.retry_after) from exc
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
        raise TransientFailure(f"{what}: {exc}") from exc


class DiscordPublisher:
    def __init__(self, bot: DrillBot) -> None:
        self.bot = bot
        # The quiz cog sets this so the reveal carries the self-grade buttons.
        self.reveal_rows: Callable[[RevealCard], Sequence[ActionRow]] = lambda _c: ()

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            channel = await self.bot.fetch_channel(channel_id)
        assert isinstance(channel, discord.abc.Messageable)
        return channel

    async def _partial(self, channel_id: int, message_id: int) -> discord.PartialMessage:
        channel = await self._channel(channel_id)
        assert isinstance(channel, discord.TextChannel | discord.Thread)
        return channel.get_partial_message(message_id)

    async def find_post(
        self, channel_id: int, marker: str, after: datetime | None
    ) -> FoundPost | None:
        async with translated("reading channel history"):
            channel = await self._channel(channel_id)
            me = self.bot.user.id if self.bot.user else 0
            # Bounded by time, not by count: every message since ``after``, oldest first.
            since = discord.Object(discord.utils.time_snowflake(after)) if after else None
            async for message in channel.history(limit=None, after=since, oldest_first=True):
                footer = cards.marker_text(message)  # a V2 layout's last line, or an embed's
                if message.author.id == me and footer and footer.startswith(marker):
                    thread = message.thread
                    return FoundPost(message.id, thread.id if thread else None)
        return None

    async def send_post(self, channel_id: int, card: DailyCard, nonce: str) -> int:
        async with translated("posting the daily question"):
            channel = await self._channel(channel_id)
            role = card.ping_role_id
            # A V2 layout (the role ping is its first line): the Answer button in every mode,
            # since a modal answer needs no Message Content intent.
            message = await channel.send(
                view=cards.daily_layout(card),
                nonce=nonce,
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(role)] if role else False
                ),
            )
            return message.id

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        async with translated("creating the answers thread"):
            partial = await self._partial(channel_id, message_id)
            thread = await partial.create_thread(name=name, auto_archive_duration=1440)
            return thread.id

    async def say_no_thread(self, channel_id: int, message_id: int, why: str) -> None:
        async with translated("explaining the missing thread"):
            partial = await self._partial(channel_id, message_id)
            await partial.reply(
                "Discord would not let me open a thread for today's question "
                "right now, so answer by replying to the question instead.",
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )

    async def pin(self, channel_id: int, message_id: int, unpin: int | None) -> None:
        async with translated("pinning the daily question"):
            await (await self._partial(channel_id, message_id)).pin()
            if unpin is not None:
                with contextlib.suppress(discord.NotFound):
                    await (await self._partial(channel_id, unpin)).unpin()

    async def send_reveal(self, channel_id: int, card: RevealCard, nonce: str) -> None:
        async with translated("revealing the notes"):
            channel = await self._channel(channel_id)
            # The buttons go under the last part, after everything they refer to. A long
            # worked solution is a file where the bot may attach one, inline code otherwise.
            attach = can_attach(channel)
            parts = cards.reveal_parts(card, self.reveal_rows(card), attach=attach)
            for n, (view, files) in enumerate(parts):
                await channel.send(
                    view=view,
                    files=files,
                    nonce=nonce if n == 0 else part_nonce(nonce, n),
                    allowed_mentions=NO_MENTIONS,
                )

    async def thread_of(self, channel_id: int, message_id: int) -> int | None:
        async with translated("looking for the answers thread"):
            # A thread started from a message has the message's id.
            try:
                thread = await self._channel(message_id)
            except discord.NotFound:
                return None
            return thread.id if isinstance(thread, discord.Thread) else None

    async def send_answer_part(self, channel_id: int, part: AnswerPart, nonce: str) -> int:
        async with translated("publishing an answer"):
            channel = await self._channel(channel_id)
            message = await channel.send(
                blind.part_content(part), nonce=nonce, allowed_mentions=NO_MENTIONS
            )
            return message.id

    async def find_sent(
        self, channel_id: int, after: int, nonce: str, *, own_thread: bool
    ) -> int | None:
        async with translated("looking for an answer sent before a restart"):
            channel = await self._channel(channel_id)
            me = self.bot.user.id if self.bot.user else 0
            first: int | None = None
            async for message in channel.history(
                limit=None, after=discord.Object(after), oldest_first=True
            ):
                if message.author.id != me:
                    continue
                if message.nonce is not None:  # Discord still shows it: the nonce decides
                    if str(message.nonce) == nonce:
                        return message.id
                    own_thread = False  # another send of ours is there: position proves nothing
                elif first is None:
                    first = message.id
            return first if own_thread else None

    async def send_button_answer(self, channel_id: int, answer: ButtonPost, nonce: str) -> int:
        async with translated("posting a button answer"):
            channel = await self._channel(channel_id)
            message = await channel.send(
                blind.button_content(answer), nonce=nonce, allowed_mentions=NO_MENTIONS
            )
            return message.id

    async def button_answers_in(self, channel_id: int, after: int) -> dict[int, int]:
        async with translated("reading the posted button answers"):
            channel = await self._channel(channel_id)
            me = self.bot.user.id if self.bot.user else 0
            found: dict[int, int] = {}
            # The bot's own messages keep their content without the Message Content intent.
            async for message in channel.history(
                limit=None, after=discord.Object(after), oldest_first=True
            ):
                key = blind.button_key(message.content) if message.author.id == me else None
                if key is not None:
                    found.setdefault(key, message.id)
            return found

    async def close_thread(self, thread_id: int) -> None:
        async with translated("closing the thread"):
            thread = await self._channel(thread_id)
            assert isinstance(thread, discord.Thread)
            await thread.edit(archived=True, locked=True)

    async def history(self, channel_id: int, after: int) -> Sequence[HistoryMessage]:
        async with translated("reading thread history"):
            channel = await self._channel(channel_id)
            return [
                _history(m)
                async for m in channel.history(
                    limit=None, after=discord.Object(after), oldest_first=True
                )
            ]

    async def tell_organisers(self, guild_id: int, notice: Notice) -> None:
        text = notice_text(notice)
        async with translated("telling organisers"):
            guild = self.bot.get_guild(guild_id)
            if guild is not None and guild.system_channel is not None:
                await guild.system_channel.send(text, allowed_mentions=NO_MENTIONS)
                return
            organiser_id = await self.bot.app.organiser.configured_by(guild_id)
            if organiser_id is not None:
                user = await self.bot.fetch_user(organiser_id)
                await user.send(text)
                return
            log.warning(
                "guild %s has no system channel and no organiser to tell: %s", guild_id, text
            )


def can_attach(channel: discord.abc.Messageable) -> bool:
    if isinstance(channel, discord.TextChannel | discord.Thread):
        return channel.permissions_for(channel.guild.me).attach_files
    return True


def notice_text(notice: Notice) -> str:
    """What organisers read: Discord markup lives here, not in the core."""
    if notice.kind == "missing-permissions":
        where = f"<#{notice.channel_id}>" if notice.channel_id else "the question channel"
        return (
            f"I could not post today's question in {where}: missing permission "
            f"({notice.detail[:1500]}). Fix the channel's permissions and run /drill post-now."
        )
    return f"No daily question today: {notice.detail[:1800]}."


async def tell_kept(member: discord.User | discord.Member, kept: Sequence[KeptStreak]) -> None:
    """Privately, once (the store marked them told): a refused DM is not retried."""
    try:
        await member.send(kept_text(kept), allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.info("could not tell member %s about a streak freeze: %s", member.id, exc)


def _history(message: discord.Message) -> HistoryMessage:
    return HistoryMessage(
        message.id,
        message.author.id,
        message.author.bot,
        message.content,
        message.created_at,
        message.edited_at,
        message.reference.message_id if message.reference else None,
    )


class DailyCog(commands.Cog):
    def __init__(self, bot: DrillBot, service: DailyService, names: NameBook) -> None:
        self.bot = bot
        self.service = service
        self.names = names  # the web board shows answers' authors by the name seen here
        self._parse_message: Callable[[dict[str, Any]], None] | None = None

    async def cog_load(self) -> None:
        missing = shortcut_missing(self.bot)
        if missing is not None:  # discord.py moved what the short cut relies on: its own path
            log.warning("discord.py has no %s: thread answers take its usual path", missing)
            return
        parsers = self.bot._connection.parsers
        self._parse_message = parsers["MESSAGE_CREATE"]
        parsers["MESSAGE_CREATE"] = self._message_create

    async def cog_unload(self) -> None:
        if self._parse_message is not None:
            self.bot._connection.parsers["MESSAGE_CREATE"] = self._parse_message

    def _message_create(self, data: dict[str, Any]) -> None:
        """discord.py's MESSAGE_CREATE parser, with one short cut: a member's message in an
        open daily thread (nearly every message when a group answers) goes to the answer path
        as Discord sent it. discord.py would build a Message, a Member and a User for it and
        cache the Message, a third of what a message costs, none of it used here (edits and
        deletes are read from the raw events). Anything else, or while someone waits for a
        message (wait_for), goes through discord.py as before."""
        assert self._parse_message is not None
        author = data["author"]
        if (
            author.get("bot")
            or "webhook_id" in data
            or "guild_id" not in data
            or self.bot._listeners.get("message")
            or not self.service.takes(channel_id := int(data["channel_id"]))
        ):
            self._parse_message(data)
            return
        msg = raw_history(data)
        stored = self.service.offer(channel_id, msg)
        if stored is None:  # the answer writer is not running: discord.py's way, the listener's
            self._parse_message(data)
            return
        channel, _ = self.bot._connection._get_guild_channel(data)  # type: ignore[arg-type]
        if isinstance(channel, discord.Thread):
            channel.last_message_id = msg.message_id  # what discord.py's parser keeps
        # No task per answer: thousands may wait for their commit at once in a flood. What
        # follows the commit runs from its callback; DrillBot.close lets the writer drain first.
        after = partial(self._stored, int(data["guild_id"]), msg.user_id, raw_name(data), author)
        stored.add_done_callback(after)

    def _stored(
        self, guild_id: int, user_id: int, name: str, author: dict[str, Any], done: Future[None]
    ) -> None:
        if done.cancelled() or done.exception() is not None:
            return  # the writer logged why; the reveal's read of the thread stores it later
        self.names.seen(guild_id, user_id, name)
        if not self.service.nothing_to_tell(guild_id, user_id):  # else no read, no task
            self.bot._schedule_event(self._tell_kept, "on_message", guild_id, user_id, author)

    async def _tell_kept(self, guild_id: int, user_id: int, author: dict[str, Any]) -> None:
        kept = await self.service.kept_streaks(guild_id, user_id)
        if kept:  # the raw author: a User to write to, as discord.py makes
            await tell_kept(self.bot._connection.store_user(author), kept)  # type: ignore[arg-type]

    async def _answered(
        self, guild_id: int, user_id: int, name: str, who: discord.User | discord.Member
    ) -> None:
        self.names.seen(guild_id, user_id, name)
        kept = await self.service.kept_streaks(guild_id, user_id)
        if kept:
            await tell_kept(who, kept)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None:
            return
        # A thread the service does not know yet may be today's, still being finished: the
        # parent lets it keep the message until the thread is tracked.
        parent_id = getattr(message.channel, "parent_id", None)
        if await self.service.receive(message.channel.id, parent_id, _history(message)):
            author = message.author
            await self._answered(message.guild.id, author.id, author.display_name, author)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        content = payload.data.get("content")
        if payload.data.get("author", {}).get("bot"):
            return  # the bot's own messages (button answers, notes) are no member's edit
        if isinstance(content, str):
            await self.service.record_edit(payload.message_id, content)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.service.record_delete(payload.message_id)


async def setup(bot: DrillBot) -> None:
    publisher = DiscordPublisher(bot)
    # The reveal carries the self-grade buttons that cogs.quiz handles.
    publisher.reveal_rows = lambda card: quiz_views.daily_reveal_rows(
        card.post_id, model_answer=bool(card.question.model_answer)
    )
    bot.app.discord.plug(publisher)
    await bot.add_cog(DailyCog(bot, bot.app.daily, bot.app.names))
