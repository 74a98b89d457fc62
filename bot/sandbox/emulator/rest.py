"""REST v10 routes: identity, commands, channels, threads, guilds; registers the others."""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from bot.sandbox.emulator import rest_interactions, rest_messages
from bot.sandbox.emulator.core import Core
from bot.sandbox.emulator.perms import FLAGS
from bot.sandbox.emulator.rest_messages import (
    api_error,
    body_of,
    get_channel,
    get_message,
    no_content,
    ok,
    require,
    snowflake_param,
)
from bot.sandbox.emulator.snowflake import now_iso
from bot.sandbox.emulator.state import PRIVATE_THREAD, PUBLIC_THREAD, Channel
from bot.sandbox.emulator.wire import ApiError

Json = dict[str, Any]
PREFIX = "/api/v10"


async def me(request: web.Request, emu: Core) -> web.Response:
    return ok({**emu.bot_user.to_dict(), "verified": True, "mfa_enabled": False, "locale": "en-US"})


async def get_user(request: web.Request, emu: Core) -> web.Response:
    user = emu.world.users.get(snowflake_param(request, "user_id"))
    if user is None:
        raise api_error(404, 10013, "Unknown User")
    return ok(user.to_dict())


async def application(request: web.Request, emu: Core) -> web.Response:
    return ok(
        {
            "id": str(emu.application_id),
            "name": emu.bot_user.username,
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": emu.owner.to_dict(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": emu.application_flags,
            "flags_new": str(emu.application_flags),
            "summary": "",
            "bot": emu.bot_user.to_dict(),
            "type": None,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "approximate_guild_count": len(emu.world.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["applications.commands", "bot"],
        }
    )


async def gateway(request: web.Request, emu: Core) -> web.Response:
    return ok({"url": emu.gateway_url})


async def gateway_bot(request: web.Request, emu: Core) -> web.Response:
    limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
    return ok({"url": emu.gateway_url, "shards": 1, "session_start_limit": limit})


def _check_app(request: web.Request, emu: Core) -> int | None:
    if snowflake_param(request, "application_id") != emu.application_id:
        raise api_error(403, 50001, "Missing Access")
    if "guild_id" not in request.match_info:
        return None
    guild_id = snowflake_param(request, "guild_id")
    if guild_id not in emu.world.guilds:
        raise api_error(403, 50001, "Missing Access")
    return guild_id


async def put_commands(request: web.Request, emu: Core) -> web.Response:
    guild_id = _check_app(request, emu)
    previous = {(c["name"], c.get("type", 1)): c for c in emu.commands.get(guild_id, [])}
    uploaded = body_of(request).json or []
    errors = {
        str(index): {field: {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": reason}]}}
        for index, raw in enumerate(uploaded)
        for field, reason in [emu.refused_commands.get(raw.get("name", ""), ("", ""))]
        if field
    }
    if errors:  # Discord refuses the whole upload; nothing changes
        raise ApiError(400, 50035, "Invalid Form Body", errors)
    stored: list[Json] = []
    for raw in uploaded:
        _check_reach(raw)
        old = previous.get((raw["name"], raw.get("type", 1)))
        cmd: Json = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            **raw,
            "id": old["id"] if old else str(emu.ids.next()),
            "application_id": str(emu.application_id),
            "version": str(emu.ids.next()),
        }
        # As Discord answers: installs default to guild installs (an array, never null),
        # permissions are a string of the bit field.
        if cmd["integration_types"] is None:
            cmd["integration_types"] = [0]
        if cmd["default_member_permissions"] is not None:
            cmd["default_member_permissions"] = str(cmd["default_member_permissions"])
        if guild_id is not None:
            cmd["guild_id"] = str(guild_id)
        stored.append(cmd)
    emu.commands[guild_id] = stored
    emu.changed()
    return ok(stored)


def _check_reach(raw: Json) -> None:
    """``contexts`` (0 server, 1 bot DM, 2 private channel) and ``integration_types`` (0 server
    install, 1 user install): null or a non-empty list of distinct known values."""
    for key, known in (("contexts", {0, 1, 2}), ("integration_types", {0, 1})):
        value = raw.get(key)
        if value is None:
            continue
        if (
            not isinstance(value, list)
            or not value
            or len(set(value)) != len(value)
            or not set(value) <= known
        ):
            raise api_error(400, 50035, f"Invalid Form Body ({raw.get('name')}.{key}: {value!r})")


async def get_commands(request: web.Request, emu: Core) -> web.Response:
    return ok(emu.commands.get(_check_app(request, emu), []))


async def get_channel_route(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    require(emu, channel)
    return ok(dm_dict(emu, channel) if channel.type == 1 else channel.to_dict())


async def patch_channel(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    payload: Json = body_of(request).json or {}
    perms = require(emu, channel)
    manage = bool(perms & FLAGS["MANAGE_THREADS" if channel.is_thread else "MANAGE_CHANNELS"])
    if channel.is_thread:
        if "locked" in payload and not manage:
            raise api_error(403, 50013, "Missing Permissions")
        if channel.locked and not manage:
            raise api_error(403, 50013, "Missing Permissions")
        if not manage and channel.owner_id != emu.bot_user_id:
            raise api_error(403, 50013, "Missing Permissions")
        if channel.archived and payload.get("archived") is not False and "name" in payload:
            raise api_error(400, 50083, "Thread is archived")
    elif not manage:
        raise api_error(403, 50013, "Missing Permissions")
    for key in ("name", "topic", "locked", "auto_archive_duration", "position"):
        if key in payload and payload[key] is not None:
            setattr(channel, key, payload[key])
    if "archived" in payload and payload["archived"] is not None:
        channel.archived = bool(payload["archived"])
        channel.archive_timestamp = now_iso()
    event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
    await emu.dispatch(event, channel.to_dict())
    return ok(channel.to_dict())


def new_thread(emu: Core, parent: Channel, thread_id: int, payload: Json, kind: int) -> Channel:
    if len(emu.world.active_threads(parent.guild_id)) >= emu.max_active_threads:
        raise api_error(400, 160006, "Maximum number of active threads reached")
    name = str(payload.get("name") or "thread")[:100]
    thread = Channel(
        id=thread_id,
        guild_id=parent.guild_id,
        name=name,
        type=kind,
        parent_id=parent.id,
        owner_id=emu.bot_user_id,
        auto_archive_duration=int(payload.get("auto_archive_duration") or 1440),
    )
    emu.world.channels[thread.id] = thread
    emu.world.guilds[parent.guild_id].channel_ids.append(thread.id)
    return thread


async def announce_thread(emu: Core, thread: Channel) -> web.Response:
    await emu.dispatch("THREAD_CREATE", {**thread.to_dict(), "newly_created": True})
    for hook in list(emu.thread_hooks):
        await hook(thread)
    return ok(thread.to_dict(), 201)


async def thread_from_message(request: web.Request, emu: Core) -> web.Response:
    parent = get_channel(emu, snowflake_param(request, "channel_id"))
    if parent.is_thread or parent.type == 1:
        raise api_error(400, 50024, "Cannot execute action on this channel type")
    require(emu, parent, "CREATE_PUBLIC_THREADS")
    msg = get_message(emu, parent.id, snowflake_param(request, "message_id"))
    if msg.thread_id is not None:
        raise api_error(400, 160004, "A thread has already been created for this message")
    # A thread started from a message has the message's id.
    thread = new_thread(emu, parent, msg.id, body_of(request).json or {}, PUBLIC_THREAD)
    msg.thread_id = thread.id
    return await announce_thread(emu, thread)


async def thread_without_message(request: web.Request, emu: Core) -> web.Response:
    parent = get_channel(emu, snowflake_param(request, "channel_id"))
    if parent.is_thread or parent.type == 1:
        raise api_error(400, 50024, "Cannot execute action on this channel type")
    payload: Json = body_of(request).json or {}
    kind = int(payload.get("type") or PRIVATE_THREAD)
    require(
        emu, parent, "CREATE_PRIVATE_THREADS" if kind == PRIVATE_THREAD else "CREATE_PUBLIC_THREADS"
    )
    thread = new_thread(emu, parent, emu.ids.next(), payload, kind)
    return await announce_thread(emu, thread)


async def add_thread_member(request: web.Request, emu: Core) -> web.Response:
    """PUT /channels/{thread}/thread-members/{user}: the bot adds a member to a thread."""
    thread = get_channel(emu, snowflake_param(request, "channel_id"))
    require(emu, thread)
    if not thread.is_thread:
        raise api_error(400, 50024, "Cannot execute action on this channel type")
    if thread.archived:
        raise api_error(400, 50083, "Thread is archived")
    user_id = snowflake_param(request, "user_id")
    if user_id not in emu.world.guilds[thread.guild_id].members:
        raise api_error(404, 10007, "Unknown Member")
    if user_id not in thread.member_ids:
        thread.member_ids.append(user_id)
    return no_content()


async def guild_channels(request: web.Request, emu: Core) -> web.Response:
    guild = emu.world.guilds.get(snowflake_param(request, "guild_id"))
    if guild is None:
        raise api_error(404, 10004, "Unknown Guild")
    chans = [emu.world.channels[c] for c in guild.channel_ids]
    return ok([c.to_dict() for c in chans if not c.is_thread])


async def get_guild(request: web.Request, emu: Core) -> web.Response:
    guild = emu.world.guilds.get(snowflake_param(request, "guild_id"))
    if guild is None:
        raise api_error(404, 10004, "Unknown Guild")
    return ok({**guild.to_dict(), "approximate_member_count": len(guild.members)})


async def get_member(request: web.Request, emu: Core) -> web.Response:
    guild = emu.world.guilds.get(snowflake_param(request, "guild_id"))
    member = guild.members.get(snowflake_param(request, "user_id")) if guild else None
    if member is None:
        raise api_error(404, 10007, "Unknown Member")
    return ok(member.to_dict())


async def active_threads(request: web.Request, emu: Core) -> web.Response:
    guild_id = snowflake_param(request, "guild_id")
    threads = [t.to_dict() for t in emu.world.active_threads(guild_id)]
    return ok({"threads": threads, "members": [], "has_more": False})


async def archived_public(request: web.Request, emu: Core) -> web.Response:
    parent = get_channel(emu, snowflake_param(request, "channel_id"))
    require(emu, parent, "READ_MESSAGE_HISTORY")
    limit = int(request.query.get("limit", 50))
    found = [
        c
        for c in emu.world.channels.values()
        if c.parent_id == parent.id and c.type == PUBLIC_THREAD and c.archived
    ]
    found.sort(key=lambda c: c.archive_timestamp, reverse=True)
    if "before" in request.query:
        found = [c for c in found if c.archive_timestamp < request.query["before"]]
    page = found[:limit]
    body = {"threads": [c.to_dict() for c in page], "members": [], "has_more": len(found) > limit}
    return ok(body)


async def open_dm(request: web.Request, emu: Core) -> web.Response:
    payload: Json = body_of(request).json or {}
    user_id = int(payload.get("recipient_id", 0))
    user = emu.world.users.get(user_id)
    if user is None:
        raise api_error(400, 50035, "Invalid Form Body")
    channel = emu.world.dms.get(user_id)
    if channel is None:
        channel = Channel(id=emu.ids.next(), guild_id=0, name="", type=1, owner_id=user_id)
        emu.world.dms[user_id] = channel
        emu.world.channels[channel.id] = channel
    return ok(dm_dict(emu, channel))


def dm_dict(emu: Core, channel: Channel) -> Json:
    recipient = emu.world.users[channel.owner_id or 0]
    last = str(channel.last_message_id) if channel.last_message_id else None
    return {
        "id": str(channel.id),
        "type": 1,
        "recipients": [recipient.to_dict()],
        "last_message_id": last,
        "flags": 0,
    }


def routes() -> list[tuple[str, str, Any]]:
    app_cmds = "/applications/{application_id}/commands"
    guild_cmds = "/applications/{application_id}/guilds/{guild_id}/commands"
    return [
        ("GET", "/users/@me", me),
        ("POST", "/users/@me/channels", open_dm),
        ("GET", "/users/{user_id}", get_user),
        ("GET", "/oauth2/applications/@me", application),
        ("GET", "/applications/@me", application),
        ("GET", "/gateway", gateway),
        ("GET", "/gateway/bot", gateway_bot),
        ("PUT", app_cmds, put_commands),
        ("GET", app_cmds, get_commands),
        ("PUT", guild_cmds, put_commands),
        ("GET", guild_cmds, get_commands),
        ("GET", "/channels/{channel_id}", get_channel_route),
        ("PATCH", "/channels/{channel_id}", patch_channel),
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads", thread_from_message),
        ("POST", "/channels/{channel_id}/threads", thread_without_message),
        ("PUT", "/channels/{channel_id}/thread-members/{user_id}", add_thread_member),
        ("GET", "/channels/{channel_id}/threads/archived/public", archived_public),
        ("GET", "/guilds/{guild_id}", get_guild),
        ("GET", "/guilds/{guild_id}/channels", guild_channels),
        ("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
        ("GET", "/guilds/{guild_id}/threads/active", active_threads),
    ]


def register(app: web.Application, emu: Core) -> None:
    table = routes() + rest_messages.routes() + rest_interactions.routes()
    for method, path, handler in table:
        app.router.add_route(method, PREFIX + path, functools.partial(handler, emu=emu))
