"""Interactions a member starts: the handle tests hold, and INTERACTION_CREATE payloads."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.emulator import contexts
from bot.sandbox.emulator.access import permissions
from bot.sandbox.emulator.core import Core
from bot.sandbox.emulator.state import Message, User

Json = dict[str, Any]
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)


@dataclass
class Interaction:
    """One interaction; `response` is the bot's callback body once it answered."""

    emu: Core
    id: int
    token: str
    type: int
    user: User
    guild_id: int
    channel_id: int
    data: Json
    source_message_id: int | None = None
    name: str = ""
    response: Json | None = None
    original_id: int | None = None
    opened_by: Interaction | None = None  # a modal submit: the interaction that opened it
    followups: list[Message] = field(default_factory=list)
    created_at: float = field(default_factory=time.monotonic)
    _followups_taken: int = 0
    # Where it came from (bot/sandbox/emulator/contexts.py): 0 a server, 1 a DM with the bot;
    # ``owners`` is authorizing_integration_owners ({"0": guild} for a server install).
    context: int = 0
    owners: Json = field(default_factory=dict)

    @property
    def user_installed_only(self) -> bool:
        """Authorised by the member's own install only (a server without the bot, a DM)."""
        return "0" not in self.owners

    @property
    def private_replies(self) -> bool:
        """The server keeps replies of apps installed to a member private (forced ephemeral)."""
        place = self.emu.elsewhere.get(self.guild_id)
        return bool(place is not None and place.external_replies_private)

    @classmethod
    def new(
        cls,
        emu: Core,
        kind: int,
        user: User,
        guild_id: int,
        channel_id: int,
        data: Json,
        message: Message | None,
    ) -> Interaction:
        token = "emu-interaction-" + secrets.token_urlsafe(32)
        source = message.id if message is not None else None
        return cls(emu, emu.ids.next(), token, kind, user, guild_id, channel_id, data, source)

    @property
    def message(self) -> Message | None:
        """The response message as it is now (after edits); None before one or once deleted."""
        if self.original_id is None:
            return None
        msg = self.emu.world.find_message(self.original_id)
        return None if msg is None or msg.deleted else msg

    @property
    def modal(self) -> Json | None:
        if self.response is None or self.response.get("type") != 9:
            return None
        data: Json | None = self.response.get("data")
        return data

    async def wait_response(self, timeout: float = 5.0) -> Json:  # noqa: ASYNC109 (driver contract)
        what = f"(no callback for {self.kind_name()} within {timeout}s: did the bot answer?)"
        await self.emu.wait_until(lambda: self.response is not None, timeout, what)
        assert self.response is not None
        return self.response

    async def wait_followup(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109 (driver contract)
        """The next follow-up not yet returned by an earlier call."""
        wanted = self._followups_taken + 1
        what = f"(follow-up #{wanted} for {self.kind_name()})"
        await self.emu.wait_until(lambda: len(self.followups) >= wanted, timeout, what)
        self._followups_taken = wanted
        return self.followups[wanted - 1]

    def kind_name(self) -> str:
        label = {2: "command", 3: "component", 4: "autocomplete", 5: "modal submit"}[self.type]
        detail = self.name or self.data.get("custom_id") or self.data.get("name", "")
        return f"{label} {detail!r}"


def interaction_payload(emu: Core, inter: Interaction) -> Json:
    """INTERACTION_CREATE as discord.py 2.7 reads it (every key it reads unconditionally)."""
    if inter.context != 0 or inter.guild_id in emu.elsewhere:
        return contexts.payload(emu, inter)
    world = emu.world
    channel = world.channels[inter.channel_id]
    guild = world.guilds[inter.guild_id]
    perms = permissions(world, channel, inter.user.id)
    data: Json = {
        "id": str(inter.id),
        "application_id": str(emu.application_id),
        "type": inter.type,
        "data": inter.data,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(channel.id),
        "channel": {**channel.to_dict(), "permissions": str(perms)},
        "member": guild.members[inter.user.id].to_dict(permissions=perms),
        "token": inter.token,
        "version": 1,
        "app_permissions": str(permissions(world, channel, emu.bot_user_id)),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": inter.owners or {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if inter.source_message_id is not None:
        msg = world.find_message(inter.source_message_id)
        if msg is not None:
            data["message"] = msg.to_dict(emu.bot_user_id)
    return data


def find_command(emu: Core, guild_id: int, name: str) -> Json:
    for scope in (guild_id, None):
        for cmd in emu.commands.get(scope, []):
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return cmd
    known = sorted(c["name"] for s in (guild_id, None) for c in emu.commands.get(s, []))
    raise LookupError(
        f"no registered slash command {name!r} (registered: {known}); did the bot sync?"
    )


def build_command_data(
    emu: Core, guild_id: int, command: str, values: Json, *, focused: str | None = None
) -> Json:
    """Nest options as Discord does, typed from the command the bot registered."""
    parts = command.split()
    cmd = find_command(emu, guild_id, parts[0])
    schema: list[Json] = cmd.get("options") or []
    path: list[Json] = []
    for part in parts[1:]:
        sub = next((o for o in schema if o["name"] == part and o["type"] in (1, 2)), None)
        if sub is None:
            raise LookupError(
                f"/{command}: no subcommand {part!r} in {[o['name'] for o in schema]}"
            )
        path.append(sub)
        schema = sub.get("options") or []
    resolved: Json = {}
    options = [
        _option(emu, guild_id, schema, key, value, resolved, key == focused)
        for key, value in values.items()
    ]
    for opt in schema:
        if opt.get("required") and opt["name"] not in values and focused is None:
            raise ValueError(f"/{command}: required option {opt['name']!r} missing")
    for sub in reversed(path):
        options = [{"type": sub["type"], "name": sub["name"], "options": options}]
    data: Json = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": options}
    if cmd.get("guild_id"):
        data["guild_id"] = cmd["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def _option(
    emu: Core,
    guild_id: int,
    schema: list[Json],
    key: str,
    value: Any,
    resolved: Json,
    focused: bool,
) -> Json:
    spec = next((o for o in schema if o["name"] == key), None)
    if spec is None:
        raise LookupError(f"no option {key!r}; the command has {[o['name'] for o in schema]}")
    kind = int(spec["type"])
    opt: Json = {"name": key, "type": kind}
    if focused:
        opt.update(value=str(value), focused=True)
        return opt
    world = emu.world
    if kind in (STRING,):
        opt["value"] = str(value)
    elif kind == INTEGER:
        opt["value"] = int(value)
    elif kind == NUMBER:
        opt["value"] = float(value)
    elif kind == BOOLEAN:
        opt["value"] = bool(value)
    elif kind in (USER, MENTIONABLE) and _ident(value) in world.users:
        user_id = _ident(value)
        opt["value"] = str(user_id)
        resolved.setdefault("users", {})[str(user_id)] = world.users[user_id].to_dict()
        guild = world.guilds.get(guild_id)  # none in a DM or a server without the bot
        member = guild.members.get(user_id) if guild is not None else None
        if member is not None:
            mdata = member.to_dict(permissions=0)
            mdata.pop("user")
            resolved.setdefault("members", {})[str(user_id)] = mdata
    elif kind in (ROLE, MENTIONABLE):
        role = world.guilds[guild_id].roles[_ident(value)]
        opt["value"] = str(role.id)
        resolved.setdefault("roles", {})[str(role.id)] = role.to_dict()
    elif kind == CHANNEL:
        channel = world.channels[_ident(value)]
        opt["value"] = str(channel.id)
        perms = permissions(world, channel, emu.bot_user_id)
        resolved.setdefault("channels", {})[str(channel.id)] = {
            **channel.to_dict(),
            "permissions": str(perms),
        }
    elif kind == ATTACHMENT:
        filename, blob = value
        att_id = emu.ids.next()
        world.blobs[att_id] = (filename, bytes(blob), "application/octet-stream")
        url = f"{emu.base_url}/attachments/{att_id}/{filename}"
        opt["value"] = str(att_id)
        resolved.setdefault("attachments", {})[str(att_id)] = {
            "id": str(att_id),
            "filename": filename,
            "size": len(blob),
            "url": url,
            "proxy_url": url,
            "content_type": "application/octet-stream",
            "ephemeral": True,
        }
    else:
        raise ValueError(f"option {key!r}: cannot use {value!r} for option type {kind}")
    return opt


def _ident(value: Any) -> int:
    return int(getattr(value, "id", value))
