"""The emulated Discord world: users, guilds, roles, channels, threads, messages.

Objects serialise to the JSON shapes discord.py parses (see discord/types/*.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.emulator.layouts import answered, visible_text
from bot.sandbox.emulator.snowflake import SnowflakeFactory, now_iso, snowflake_time

Json = dict[str, Any]

TEXT, PUBLIC_THREAD, PRIVATE_THREAD = 0, 11, 12
EPHEMERAL, LOADING = 1 << 6, 1 << 7


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    dms_closed: bool = False  # the member blocked the bot or closed DMs: 403 50007 on send

    def to_dict(self) -> Json:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,  # Discord always sends it (null: no server tag)
        }


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False

    def to_dict(self) -> Json:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def to_dict(self) -> Json:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class Member:
    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=now_iso)

    def to_dict(self, permissions: int | None = None) -> Json:
        data: Json = {
            "user": self.user.to_dict(),
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Channel:
    id: int
    guild_id: int
    name: str
    type: int = TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    owner_id: int | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    archive_timestamp: str = field(default_factory=now_iso)
    message_count: int = 0
    last_message_id: int | None = None
    pins: list[int] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)  # a thread's members, as added

    @property
    def is_thread(self) -> bool:
        return self.type in (PUBLIC_THREAD, PRIVATE_THREAD)

    def to_dict(self) -> Json:
        data: Json = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "name": self.name,
            "type": self.type,
            "position": self.position,
            "flags": 0,
            "nsfw": False,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": 0,
        }
        if self.is_thread:
            data.update(
                parent_id=str(self.parent_id),
                owner_id=str(self.owner_id),
                message_count=self.message_count,
                member_count=1,
                total_message_sent=self.message_count,
                thread_metadata={
                    "archived": self.archived,
                    "locked": self.locked,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": self.archive_timestamp,
                    "create_timestamp": snowflake_time(self.id).isoformat(),
                    "invitable": True,
                },
            )
        else:
            data.update(
                topic=self.topic,
                parent_id=None,
                permission_overwrites=[o.to_dict() for o in self.overwrites.values()],
                default_auto_archive_duration=1440,
            )
        return data


@dataclass
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    attachments: list[Json] = field(default_factory=list)
    nonce: str | int | None = None
    flags: int = 0
    type: int = 0
    edited_timestamp: str | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    pinned: bool = False
    webhook_id: int | None = None
    interaction_metadata: Json | None = None
    message_reference: Json | None = None
    mentions: list[User] = field(default_factory=list)
    deleted: bool = False
    thread_id: int | None = None

    @property
    def timestamp(self) -> datetime:
        return snowflake_time(self.id)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def text(self) -> str:
        """Everything a reader sees as text (content, embeds, a V2 layout's text displays)."""
        return visible_text(self.content, self.embeds, self.components)

    def to_dict(self, me_id: int | None = None, *, with_content: bool = True) -> Json:
        data: Json = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.to_dict(),
            "content": self.content if with_content else "",
            "timestamp": self.timestamp.isoformat(),
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [u.to_dict() for u in self.mentions],
            "mention_roles": [],
            "attachments": self.attachments if with_content else [],
            "embeds": self.embeds if with_content else [],
            "components": answered(self.components, self.attachments) if with_content else [],
            "pinned": self.pinned,
            "type": self.type,
            "flags": self.flags,
            "reactions": [
                {
                    "emoji": {"id": None, "name": name},
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "burst_colors": [],
                    "me": me_id in users,
                    "me_burst": False,
                }
                for name, users in self.reactions.items()
                if users
            ],
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    system_channel_id: int | None = None

    def to_dict(self) -> Json:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(self.system_channel_id) if self.system_channel_id else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            # Sent on every guild object, REST and gateway alike (GuildResponse requires them).
            "home_header": None,
            "region": "deprecated",  # what Discord answers since voice regions moved to channels
            "widget_enabled": False,
            "widget_channel_id": None,
            "safety_alerts_channel_id": None,
            "premium_subscription_count": 0,
            "nsfw": False,
            "max_members": 500000,
            "max_presences": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "incidents_data": None,
        }


class World:
    """All emulated state; REST handlers and the driver mutate it, the gateway reports it."""

    def __init__(self, bot_user: User, application_id: int, ids: SnowflakeFactory) -> None:
        self.ids = ids
        self.bot_user = bot_user
        self.application_id = application_id
        self.users: dict[int, User] = {bot_user.id: bot_user}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, dict[int, Message]] = {}
        self.ephemeral: dict[int, Message] = {}
        self.blobs: dict[int, tuple[str, bytes, str]] = {}
        self.dms: dict[int, Channel] = {}

    def new_user(self, name: str, *, bot: bool = False) -> User:
        user = User(self.ids.next(), name, bot)
        self.users[user.id] = user
        return user

    def channel(self, channel_id: int) -> Channel | None:
        return self.channels.get(channel_id)

    def parent(self, channel: Channel) -> Channel | None:
        return self.channels.get(channel.parent_id) if channel.parent_id else None

    def find_message(self, message_id: int) -> Message | None:
        for store in self.messages.values():
            if message_id in store:
                return store[message_id]
        return self.ephemeral.get(message_id)

    def add_message(self, message: Message) -> None:
        if message.ephemeral:
            self.ephemeral[message.id] = message
            return
        self.messages.setdefault(message.channel_id, {})[message.id] = message
        channel = self.channels.get(message.channel_id)
        if channel is not None:
            channel.last_message_id = message.id
            if channel.is_thread:
                channel.message_count += 1

    def active_threads(self, guild_id: int) -> list[Channel]:
        return [
            c
            for c in self.channels.values()
            if c.guild_id == guild_id and c.is_thread and not c.archived
        ]

    def guild_create(self, guild: Guild) -> Json:
        data = guild.to_dict()
        chans = [self.channels[c] for c in guild.channel_ids]
        data.update(
            unavailable=False,
            large=False,
            member_count=len(guild.members),
            joined_at=datetime.now(UTC).isoformat(),
            channels=[c.to_dict() for c in chans if not c.is_thread],
            threads=[t.to_dict() for t in self.active_threads(guild.id)],
            members=[m.to_dict() for m in guild.members.values()],
            voice_states=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        return data
