"""A member's message as Discord sent it (MESSAGE_CREATE), read for the answer path without
discord.py's Message: see cogs/daily.py, DailyCog._message_create (issue 25)."""

from __future__ import annotations

from typing import Any

import discord

from bot.daily.publishing import HistoryMessage


def raw_history(data: dict[str, Any]) -> HistoryMessage:
    """A MESSAGE_CREATE payload as the answer path reads it (what ``_history`` takes from a
    discord.py Message: its created_at is the id's moment, as discord.py's)."""
    message_id = int(data["id"])
    reference = data.get("message_reference") or {}
    return HistoryMessage(
        message_id,
        int(data["author"]["id"]),
        bool(data["author"].get("bot")),
        data.get("content", ""),
        discord.utils.snowflake_time(message_id),
        discord.utils.parse_time(data.get("edited_timestamp")),
        int(reference["message_id"]) if reference.get("message_id") else None,
    )


def raw_name(data: dict[str, Any]) -> str:
    """The author's display name as discord.py's Member.display_name gives it: the server
    nickname, else the global name, else the username."""
    author = data["author"]
    nick = (data.get("member") or {}).get("nick")
    return str(nick or author.get("global_name") or author["username"])


def shortcut_missing(bot: Any) -> str | None:
    """What the short cut needs of discord.py's internals (pyproject allows discord.py
    >=2.7,<3, and a release may move them), or None when all of it is there."""
    state = getattr(bot, "_connection", None)
    parsers = getattr(state, "parsers", None)
    if not isinstance(parsers, dict) or not callable(parsers.get("MESSAGE_CREATE")):
        return "ConnectionState.parsers['MESSAGE_CREATE']"
    for owner, name in ((state, "_get_guild_channel"), (state, "store_user")):
        if not callable(getattr(owner, name, None)):
            return f"ConnectionState.{name}"
    if not callable(getattr(bot, "_schedule_event", None)):
        return "Client._schedule_event"
    if not isinstance(getattr(bot, "_listeners", None), dict):
        return "Client._listeners"
    return None
