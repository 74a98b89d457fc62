"""Interactions from outside the bot's servers: a DM with the bot, and a server where the app is
installed to the member (a user install) but not to the server.

Discord offers a command only where it may run: its ``contexts`` (0 server, 1 DM with the bot,
2 group DM or DM between users; null: all) and its ``integration_types`` (0 server install,
1 user install). A member reaching for one that is not offered there cannot send it: the
driver raises, as the Discord client shows nothing to press. In a server without the bot the
interaction names the user install in ``authorizing_integration_owners`` ({"1": user id}), the
bot has no access to the channel (a channel message is refused), a response becomes ephemeral
where the server keeps external apps' replies private, and an interaction takes at most five
follow-ups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.emulator.core import Core
from bot.sandbox.emulator.state import TEXT, Channel, Guild, Member, Role, User

Json = dict[str, Any]
GUILD, BOT_DM, PRIVATE_CHANNEL = 0, 1, 2
GUILD_INSTALL, USER_INSTALL = 0, 1
USER_INSTALL_FOLLOWUPS = 5
# What a user-installed app may do in a server that has not installed it: send messages
# through its interactions (and embed links, attach files), nothing in the channel itself.
EXTERNAL_APP_PERMISSIONS = (1 << 11) | (1 << 14) | (1 << 15) | (1 << 10)


class NotOffered(Exception):
    """Discord does not offer that command there: the member could not have sent it."""


@dataclass
class Elsewhere:
    """A server the bot is not in; its members may have installed the app to themselves."""

    guild: Guild
    channel: Channel
    # The server's "external apps" setting: replies of user-installed apps are private.
    external_replies_private: bool = False
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.guild.id


def create_elsewhere(emu: Core, name: str, *, external_replies_private: bool = False) -> Elsewhere:
    """A server without the bot: in no READY, no GUILD_CREATE, no permission for the bot."""
    owner = emu.world.new_user(f"{name}-owner")
    guild = Guild(emu.ids.next(), name, owner.id)
    guild.roles[guild.id] = Role(guild.id, "@everyone", 0)
    channel = Channel(emu.ids.next(), guild.id, "general", TEXT, 0)
    guild.channel_ids.append(channel.id)
    emu.world.channels[channel.id] = channel  # for the interaction's responses only
    elsewhere = Elsewhere(guild, channel, external_replies_private)
    emu.elsewhere[guild.id] = elsewhere
    return elsewhere


def dm_channel(emu: Core, user: User) -> Channel:
    channel = emu.world.dms.get(user.id)
    if channel is None:
        channel = Channel(id=emu.ids.next(), guild_id=0, name="", type=1, owner_id=user.id)
        emu.world.dms[user.id] = channel
        emu.world.channels[channel.id] = channel
    return channel


def where(
    emu: Core, channel: Channel, user_id: int, home_id: int, message: Any
) -> tuple[int, int, Json]:
    """(guild id, context, authorizing_integration_owners) of an interaction a member starts in
    ``channel``: their server (``home_id``), a DM with the bot, or a server without the bot.
    A press on a reply keeps the install that authorised the command."""
    guild_id, context, owners = home_id, GUILD, {"0": str(home_id)}
    if channel.type == 1:
        guild_id, context, owners = 0, BOT_DM, {"1": str(user_id)}
    elif channel.guild_id in emu.elsewhere:
        guild_id, owners = channel.guild_id, {"1": str(user_id)}
    metadata = getattr(message, "interaction_metadata", None)
    if metadata:
        owners = metadata.get("authorizing_integration_owners", owners)
    return guild_id, context, dict(owners)


def check_offered(cmd: Json, context: int, install: int) -> None:
    contexts = cmd.get("contexts")
    types = cmd.get("integration_types") or [GUILD_INSTALL]
    where = {GUILD: "a server", BOT_DM: "a DM with the bot", PRIVATE_CHANNEL: "a group DM"}
    if contexts is not None and context not in contexts:
        raise NotOffered(f"/{cmd['name']} is not offered in {where[context]} (contexts {contexts})")
    if install not in types:
        how = "a user install" if install == USER_INSTALL else "a server install"
        raise NotOffered(f"/{cmd['name']} is not offered through {how} (integration_types {types})")


def owners(context: int, install: int, user_id: int, guild_id: int) -> Json:
    """``authorizing_integration_owners`` as Discord sends it."""
    if install == USER_INSTALL:
        return {"1": str(user_id)}
    return {"0": str(guild_id if context == GUILD else 0)}


def payload(emu: Core, inter: Any) -> Json:
    """INTERACTION_CREATE for a DM or a server without the bot (discord.py 2.7 reads these)."""
    data: Json = {
        "id": str(inter.id),
        "application_id": str(emu.application_id),
        "type": inter.type,
        "data": inter.data,
        "channel_id": str(inter.channel_id),
        "token": inter.token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": inter.owners,
        "context": inter.context,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    channel = emu.world.channels[inter.channel_id]
    if inter.context == GUILD:
        place = emu.elsewhere[inter.guild_id]
        member = place.members.setdefault(inter.user.id, Member(inter.user, place.id))
        data["guild_id"] = str(place.id)
        data["guild"] = {"id": str(place.id), "locale": "en-US", "features": []}
        data["guild_locale"] = "en-US"
        data["channel"] = {**channel.to_dict(), "permissions": str(EVERYONE_TEXT)}
        data["member"] = member.to_dict(permissions=EVERYONE_TEXT)
        data["app_permissions"] = str(EXTERNAL_APP_PERMISSIONS)
    else:
        data["user"] = inter.user.to_dict()
        data["channel"] = {
            "id": str(channel.id),
            "type": channel.type,
            "flags": 0,  # PrivateChannelResponse requires it, as on every channel
            "last_message_id": None,
            "recipients": [inter.user.to_dict()],
        }
        data["app_permissions"] = str(EXTERNAL_APP_PERMISSIONS)
    if inter.source_message_id is not None:
        msg = emu.world.find_message(inter.source_message_id)
        if msg is not None:
            data["message"] = msg.to_dict(emu.bot_user_id)
    return data


# A member's permissions in an ordinary text channel (view, send, history, reactions...).
EVERYONE_TEXT = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 6) | (1 << 14) | (1 << 15) | (1 << 31)
