"""The test driver: guilds, channels, roles and members who act (events go out via the gateway)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.emulator import contexts
from bot.sandbox.emulator.access import permissions
from bot.sandbox.emulator.core import Core
from bot.sandbox.emulator.interactions import (
    Interaction,
    build_command_data,
    find_command,
    interaction_payload,
)
from bot.sandbox.emulator.modals import client_answer
from bot.sandbox.emulator.outside import OutsideCommands
from bot.sandbox.emulator.perms import BOT_DEFAULT, EVERYONE_DEFAULT, FLAGS, bits
from bot.sandbox.emulator.rest_messages import (
    add_reaction,
    build_message,
    check_thread_for_post,
    event_payload,
    publish,
    remove_message,
)
from bot.sandbox.emulator.snowflake import now_iso
from bot.sandbox.emulator.state import TEXT, Channel, Guild, Member, Message, Overwrite, Role, User

Json = dict[str, Any]
PermSpec = int | str | Iterable[str]


class DriverError(Exception):
    """A member did something Discord would refuse (e.g. posting without SEND_MESSAGES)."""


@dataclass
class MemberHandle(OutsideCommands):
    """A guild member a test acts through."""

    guild: GuildHandle
    user: User
    _modals: dict[int, Json] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def emu(self) -> Core:
        return self.guild.emu

    def permissions(self, channel_id: int) -> int:
        return permissions(self.emu.world, self.emu.world.channels[channel_id], self.id)

    def _need(self, channel: Channel, *names: str) -> None:
        perms = self.permissions(channel.id)
        missing = [n for n in ("VIEW_CHANNEL", *names) if not perms & FLAGS[n]]
        if missing:
            raise DriverError(f"{self.name} lacks {', '.join(missing)} in #{channel.name}")

    async def send(
        self,
        channel_id: int,
        content: str,
        *,
        files: Iterable[tuple[str, bytes]] = (),
        reply_to: int | None = None,
    ) -> Message:
        world = self.emu.world
        channel = world.channels[channel_id]
        self._need(channel, "SEND_MESSAGES_IN_THREADS" if channel.is_thread else "SEND_MESSAGES")
        if (
            channel.is_thread
            and channel.locked
            and not self.permissions(channel_id) & FLAGS["MANAGE_THREADS"]
        ):
            raise DriverError(f"thread #{channel.name} is locked")
        await check_thread_for_post(self.emu, channel, self.permissions(channel_id))
        payload: Json = {"content": content}
        blobs = [(n, d, "application/octet-stream") for n, d in files]
        msg = build_message(self.emu, channel, self.user, payload, blobs)
        if reply_to is not None:
            msg.type = 19
            msg.message_reference = {
                "type": 0,
                "message_id": str(reply_to),
                "channel_id": str(channel_id),
            }
        await publish(self.emu, msg)
        return msg

    async def edit(self, channel_id: int, message_id: int, content: str) -> Message:
        msg = self._own(channel_id, message_id)
        channel = self.emu.world.channels[channel_id]
        if channel.is_thread and channel.archived:
            raise DriverError("thread is archived (50083)")
        msg.content = content
        msg.edited_timestamp = now_iso()
        self.emu.emit("MESSAGE_UPDATE", event_payload(self.emu, msg))
        return msg

    async def delete(self, channel_id: int, message_id: int) -> None:
        await remove_message(self.emu, self._own(channel_id, message_id))

    def _own(self, channel_id: int, message_id: int) -> Message:
        msg = self.emu.world.messages.get(channel_id, {}).get(message_id)
        if msg is None or msg.deleted:
            raise DriverError(f"no message {message_id} in channel {channel_id}")
        if msg.author.id != self.id:
            raise DriverError(f"{self.name} is not the author of message {message_id}")
        return msg

    async def react(self, channel_id: int, message_id: int, emoji: str) -> None:
        channel = self.emu.world.channels[channel_id]
        self._need(channel, "ADD_REACTIONS", "READ_MESSAGE_HISTORY")
        if channel.is_thread and channel.archived:
            raise DriverError("thread is archived (50083)")
        msg = self.emu.message(channel_id, message_id)
        if msg is None:
            raise DriverError(f"no message {message_id} in channel {channel_id}")
        await add_reaction(self.emu, msg, self.id, emoji)

    def _start(
        self, kind: int, channel_id: int, data: Json, message: Message | None = None
    ) -> Interaction:
        channel = self.emu.world.channels[channel_id]
        place = contexts.where(self.emu, channel, self.id, self.guild.id, message)
        guild_id, context, owners = place
        inter = Interaction.new(self.emu, kind, self.user, guild_id, channel_id, data, message)
        inter.context, inter.owners = context, owners
        self.emu.interactions[inter.token] = inter
        self.emu.emit("INTERACTION_CREATE", interaction_payload(self.emu, inter))
        return inter

    async def slash(
        self, command: str, options: Json | None = None, *, channel_id: int
    ) -> Interaction:
        """Run `/command`, `/group sub` or `/group subgroup sub` with options by name."""
        cmd = find_command(self.emu, self.guild.id, command.split()[0])
        contexts.check_offered(cmd, contexts.GUILD, contexts.GUILD_INSTALL)
        data = build_command_data(self.emu, self.guild.id, command, options or {})
        inter = self._start(2, channel_id, data)
        inter.name = command
        return inter

    async def autocomplete(
        self,
        command: str,
        options: Json,
        *,
        focused: str,
        channel_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (driver contract)
    ) -> list[Json]:
        chan = channel_id if channel_id is not None else self.guild.system_channel_id
        assert chan is not None
        data = build_command_data(self.emu, self.guild.id, command, options, focused=focused)
        inter = self._start(4, chan, data)
        response = await inter.wait_response(timeout)
        return list((response.get("data") or {}).get("choices", []))

    async def click(self, channel_id: int, message_id: int, custom_id: str) -> Interaction:
        return await self._component(channel_id, message_id, custom_id, None)

    async def select(
        self, channel_id: int, message_id: int, custom_id: str, values: list[str]
    ) -> Interaction:
        return await self._component(channel_id, message_id, custom_id, values)

    async def _component(
        self, channel_id: int, message_id: int, custom_id: str, values: list[str] | None
    ) -> Interaction:
        msg = self.emu.message(channel_id, message_id)
        if msg is None or msg.deleted:
            raise DriverError(f"no message {message_id} in channel {channel_id}")
        component = find_component(msg.components, custom_id)
        if component is None:
            raise DriverError(f"message {message_id} has no component {custom_id!r}")
        if component.get("disabled"):
            raise DriverError(f"component {custom_id!r} is disabled")
        data: Json = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        return self._start(3, channel_id, data, msg)

    async def submit_modal(self, opened_by: Interaction, values: dict[str, str]) -> Interaction:
        response = opened_by.response
        if response is None or response.get("type") != 9:
            raise DriverError("that interaction was not answered with a modal")
        modal: Json = response["data"]
        rows: list[Json] = []
        seen: set[str] = set()
        for row in modal.get("components", []):
            if row.get("type") == 18:
                rows.append({"type": 18, "component": modal_answer(row["component"], values, seen)})
                continue
            items = [i for i in row.get("components", []) if "custom_id" in i]
            rows.append({"type": 1, "components": [modal_answer(i, values, seen) for i in items]})
        unknown = set(values) - seen
        if unknown:
            raise DriverError(f"modal has no inputs {sorted(unknown)}; it has {sorted(seen)}")
        data = {"custom_id": modal["custom_id"], "components": rows}
        source = self.emu.world.find_message(opened_by.source_message_id or 0)
        submitted = self._start(5, opened_by.channel_id, data, source)
        submitted.opened_by = opened_by
        return submitted


def modal_answer(item: Json, values: dict[str, Any], seen: set[str]) -> Json:
    """What the Discord client submits for one modal input, checked like the client does."""
    try:
        return client_answer(item, values, seen)
    except ValueError as exc:
        raise DriverError(str(exc)) from None


def find_component(components: list[Json], custom_id: str) -> Json | None:
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        nested = list(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                nested.append(comp[key])
        found = find_component(nested, custom_id)
        if found is not None:
            return found
    return None


class GuildHandle:
    """A guild the bot is in, with helpers to shape it for a test."""

    def __init__(self, emu: Core, guild: Guild) -> None:
        self.emu = emu
        self.guild = guild
        self.members: dict[str, MemberHandle] = {}
        owner = emu.world.new_user(f"{guild.name}-owner")
        guild.owner_id = owner.id
        guild.members[owner.id] = Member(owner, guild.id)
        self.owner = MemberHandle(self, owner)
        self.bot_role = self.create_role(
            emu.bot_user.username, permissions=BOT_DEFAULT, announce=False
        )
        self.bot_role.managed = True
        guild.members[emu.bot_user_id] = Member(emu.bot_user, guild.id, [self.bot_role.id])
        general = self.create_text_channel("general", announce=False)
        guild.system_channel_id = general.id

    @classmethod
    def create(cls, emu: Core, name: str) -> GuildHandle:
        guild = Guild(emu.ids.next(), name, 0)
        guild.roles[guild.id] = Role(guild.id, "@everyone", EVERYONE_DEFAULT)
        emu.world.guilds[guild.id] = guild
        handle = cls(emu, guild)
        emu.emit("GUILD_CREATE", emu.world.guild_create(guild))
        return handle

    @property
    def id(self) -> int:
        return self.guild.id

    @property
    def name(self) -> str:
        return self.guild.name

    @property
    def system_channel_id(self) -> int | None:
        return self.guild.system_channel_id

    @property
    def everyone(self) -> Role:
        return self.guild.roles[self.guild.id]

    def create_text_channel(
        self, name: str, *, topic: str | None = None, announce: bool = True
    ) -> Channel:
        channel = Channel(
            self.emu.ids.next(), self.id, name, TEXT, len(self.guild.channel_ids), topic
        )
        self.emu.world.channels[channel.id] = channel
        self.guild.channel_ids.append(channel.id)
        if announce:
            self.emu.emit("CHANNEL_CREATE", channel.to_dict())
        return channel

    def create_thread(
        self,
        parent_id: int,
        name: str,
        *,
        owner: MemberHandle | None = None,
        archived: bool = False,
        locked: bool = False,
        message_id: int | None = None,
    ) -> Channel:
        """A public thread made by someone else (the bot learns of it via THREAD_CREATE)."""
        owner_id = owner.id if owner else self.owner.id
        thread = Channel(
            message_id or self.emu.ids.next(),
            self.id,
            name,
            11,
            parent_id=parent_id,
            owner_id=owner_id,
            archived=archived,
            locked=locked,
        )
        self.emu.world.channels[thread.id] = thread
        self.guild.channel_ids.append(thread.id)
        if not archived:
            self.emu.emit("THREAD_CREATE", {**thread.to_dict(), "newly_created": True})
        return thread

    def set_thread(
        self, thread_id: int, *, archived: bool | None = None, locked: bool | None = None
    ) -> None:
        thread = self.emu.world.channels[thread_id]
        if archived is not None:
            thread.archived = archived
            thread.archive_timestamp = now_iso()
        if locked is not None:
            thread.locked = locked
        self.emu.emit("THREAD_UPDATE", thread.to_dict())

    def create_role(self, name: str, permissions: PermSpec = 0, *, announce: bool = True) -> Role:
        role = Role(self.emu.ids.next(), name, bits(permissions), position=len(self.guild.roles))
        self.guild.roles[role.id] = role
        if announce:
            self.emu.emit("GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.to_dict()})
        return role

    def add_member(
        self, name: str, roles: Iterable[int] = (), permissions: PermSpec | None = None
    ) -> MemberHandle:
        user = self.emu.world.new_user(name)
        role_ids = list(roles)
        if permissions is not None:
            role_ids.append(self.create_role(f"{name}-perms", permissions).id)
        member = Member(user, self.id, role_ids)
        self.guild.members[user.id] = member
        handle = MemberHandle(self, user)
        self.members[name] = handle
        self.emu.emit("GUILD_MEMBER_ADD", {**member.to_dict(), "guild_id": str(self.id)})
        return handle

    def remove_member(self, member: MemberHandle, *, announce: bool = True) -> None:
        """The member leaves the server (GUILD_MEMBER_REMOVE, unless ``announce`` is off: an
        event the bot never got)."""
        self.guild.members.pop(member.id, None)
        if announce:
            self.emu.emit(
                "GUILD_MEMBER_REMOVE",
                {"guild_id": str(self.id), "user": member.user.to_dict()},
            )

    def member(self, name: str) -> MemberHandle:
        return self.members[name]

    def set_roles(self, member: MemberHandle, roles: Iterable[int]) -> None:
        record = self.guild.members[member.id]
        record.roles = list(roles)
        self.emu.emit("GUILD_MEMBER_UPDATE", {**record.to_dict(), "guild_id": str(self.id)})

    def overwrite(
        self, channel_id: int, target_id: int, *, allow: PermSpec = 0, deny: PermSpec = 0
    ) -> None:
        channel = self.emu.world.channels[channel_id]
        kind = 0 if target_id in self.guild.roles else 1
        current = channel.overwrites.get(target_id) or Overwrite(target_id, kind)
        current.allow = (current.allow | bits(allow)) & ~bits(deny)
        current.deny = (current.deny | bits(deny)) & ~bits(allow)
        channel.overwrites[target_id] = current
        if not channel.is_thread:
            self.emu.emit("CHANNEL_UPDATE", channel.to_dict())

    def deny_bot(self, channel_id: int, *names: str) -> None:
        self.overwrite(channel_id, self.emu.bot_user_id, deny=names)

    def allow_bot(self, channel_id: int, *names: str) -> None:
        self.overwrite(channel_id, self.emu.bot_user_id, allow=names)
