"""Who may do what: Discord combines role permissions and channel overwrites."""

from __future__ import annotations

from bot.sandbox.emulator.perms import ALL, FLAGS
from bot.sandbox.emulator.state import Channel, Guild, World


def permissions(world: World, channel: Channel, user_id: int) -> int:
    """A user's permissions in a channel (a thread's are its parent's)."""
    guild = world.guilds.get(channel.guild_id)
    if guild is None:
        return 0
    return channel_permissions(guild, channel, user_id, world.parent(channel))


def base_permissions(guild: Guild, user_id: int) -> int:
    if user_id == guild.owner_id:
        return ALL
    member = guild.members.get(user_id)
    if member is None:
        return 0
    value = guild.roles[guild.id].permissions
    for role_id in member.roles:
        role = guild.roles.get(role_id)
        if role is not None:
            value |= role.permissions
    if value & FLAGS["ADMINISTRATOR"]:
        return ALL
    return value


def channel_permissions(
    guild: Guild, channel: Channel, user_id: int, parent: Channel | None
) -> int:
    """Role permissions, then @everyone, role and member overwrites (threads use the parent's)."""
    value = base_permissions(guild, user_id)
    if value == ALL:
        return ALL
    source = parent if channel.is_thread and parent is not None else channel
    overwrites = source.overwrites
    everyone = overwrites.get(guild.id)
    if everyone is not None:
        value = (value & ~everyone.deny) | everyone.allow
    member = guild.members.get(user_id)
    role_ids = member.roles if member is not None else []
    allow = deny = 0
    for role_id in role_ids:
        ow = overwrites.get(role_id)
        if ow is not None and ow.type == 0:
            allow |= ow.allow
            deny |= ow.deny
    value = (value & ~deny) | allow
    own = overwrites.get(user_id)
    if own is not None and own.type == 1:
        value = (value & ~own.deny) | own.allow
    if not value & FLAGS["VIEW_CHANNEL"]:
        return 0
    return value
