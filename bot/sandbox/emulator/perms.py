"""Discord permission bits and their names (how they combine is in ``access``)."""

from __future__ import annotations

from collections.abc import Iterable

FLAGS: dict[str, int] = {
    "CREATE_INSTANT_INVITE": 1 << 0,
    "KICK_MEMBERS": 1 << 1,
    "BAN_MEMBERS": 1 << 2,
    "ADMINISTRATOR": 1 << 3,
    "MANAGE_CHANNELS": 1 << 4,
    "MANAGE_GUILD": 1 << 5,
    "ADD_REACTIONS": 1 << 6,
    "VIEW_AUDIT_LOG": 1 << 7,
    "VIEW_CHANNEL": 1 << 10,
    "SEND_MESSAGES": 1 << 11,
    "SEND_TTS_MESSAGES": 1 << 12,
    "MANAGE_MESSAGES": 1 << 13,
    "EMBED_LINKS": 1 << 14,
    "ATTACH_FILES": 1 << 15,
    "READ_MESSAGE_HISTORY": 1 << 16,
    "MENTION_EVERYONE": 1 << 17,
    "USE_EXTERNAL_EMOJIS": 1 << 18,
    "CHANGE_NICKNAME": 1 << 26,
    "MANAGE_NICKNAMES": 1 << 27,
    "MANAGE_ROLES": 1 << 28,
    "MANAGE_WEBHOOKS": 1 << 29,
    "USE_APPLICATION_COMMANDS": 1 << 31,
    "MANAGE_THREADS": 1 << 34,
    "CREATE_PUBLIC_THREADS": 1 << 35,
    "CREATE_PRIVATE_THREADS": 1 << 36,
    "SEND_MESSAGES_IN_THREADS": 1 << 38,
    # Since February 2026 pinning takes this; Manage Messages no longer covers it.
    "PIN_MESSAGES": 1 << 51,
}
ALL = (1 << 52) - 1

# What a new guild's @everyone role gets (close to Discord's default).
EVERYONE_DEFAULT = sum(
    FLAGS[name]
    for name in (
        "CREATE_INSTANT_INVITE",
        "ADD_REACTIONS",
        "VIEW_CHANNEL",
        "SEND_MESSAGES",
        "EMBED_LINKS",
        "ATTACH_FILES",
        "READ_MESSAGE_HISTORY",
        "USE_EXTERNAL_EMOJIS",
        "CHANGE_NICKNAME",
        "USE_APPLICATION_COMMANDS",
        "CREATE_PUBLIC_THREADS",
        "SEND_MESSAGES_IN_THREADS",
    )
)
# The bot's own (managed) role, as an invite with these scopes would grant.
BOT_DEFAULT = sum(
    FLAGS[name]
    for name in (
        "VIEW_CHANNEL",
        "SEND_MESSAGES",
        "SEND_MESSAGES_IN_THREADS",
        "EMBED_LINKS",
        "ATTACH_FILES",
        "ADD_REACTIONS",
        "READ_MESSAGE_HISTORY",
        "CREATE_PUBLIC_THREADS",
        "MANAGE_THREADS",
        "PIN_MESSAGES",
        "USE_APPLICATION_COMMANDS",
    )
)


def bits(value: int | str | Iterable[str]) -> int:
    """Accept an int, one flag name, or several names."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return FLAGS[value.upper()]
    return sum(FLAGS[name.upper()] for name in value)
