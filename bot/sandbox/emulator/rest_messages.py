"""REST: messages, reactions and pins (channels/{channel_id}/messages/...)."""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from bot.sandbox.emulator.access import permissions
from bot.sandbox.emulator.core import Core
from bot.sandbox.emulator.layouts import check_message, edited_flags, is_v2
from bot.sandbox.emulator.limits import validate
from bot.sandbox.emulator.perms import FLAGS
from bot.sandbox.emulator.snowflake import now_iso
from bot.sandbox.emulator.state import Channel, Message, User
from bot.sandbox.emulator.wire import BODY, ApiError, Body, json_response

Json = dict[str, Any]
MENTION = re.compile(r"<@!?(\d+)>")


def api_error(status: int, code: int, message: str) -> Exception:
    return ApiError(status, code, message)


def ok(data: Any, status: int = 200) -> web.Response:
    return json_response(data, status)


def no_content() -> web.Response:
    return web.Response(status=204)


def body_of(request: web.Request) -> Body:
    return request[BODY]


def snowflake_param(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise api_error(404, 10003 if "channel" in name else 10008, "404: Not Found") from None


def get_channel(emu: Core, channel_id: int) -> Channel:
    channel = emu.world.channel(channel_id)
    if channel is None:
        raise api_error(404, 10003, "Unknown Channel")
    return channel


def require(emu: Core, channel: Channel, *names: str) -> int:
    """403 50001 without VIEW_CHANNEL, 50013 without any of `names` (DMs allow everything)."""
    if channel.type == 1:
        user = emu.world.users.get(channel.owner_id or 0)
        if user is not None and user.dms_closed and "SEND_MESSAGES" in names:
            raise api_error(403, 50007, "Cannot send messages to this user")
        return -1
    perms = permissions(emu.world, channel, emu.bot_user_id)
    if not perms & FLAGS["VIEW_CHANNEL"]:
        raise api_error(403, 50001, "Missing Access")
    for name in names:
        if not perms & FLAGS[name]:
            raise api_error(403, 50013, "Missing Permissions")
    return perms


def get_message(emu: Core, channel_id: int, message_id: int) -> Message:
    msg = emu.world.messages.get(channel_id, {}).get(message_id)
    if msg is None or msg.deleted:
        raise api_error(404, 10008, "Unknown Message")
    return msg


def refuse_if_archived(channel: Channel) -> None:
    if channel.is_thread and channel.archived:
        raise api_error(400, 50083, "Thread is archived")


def attachments_from(emu: Core, payload: Json, files: list[tuple[str, bytes, str]]) -> list[Json]:
    result: list[Json] = []
    described = {str(a.get("id")): a for a in payload.get("attachments") or []}
    for index, (name, data, ctype) in enumerate(files):
        meta = described.get(str(index), {})
        filename = meta.get("filename") or name
        att_id = emu.ids.next()
        emu.world.blobs[att_id] = (filename, data, ctype)
        url = f"{emu.base_url}/attachments/{att_id}/{filename}"
        attachment = {
            "id": str(att_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": ctype,
        }
        if meta.get("description") is not None:  # Discord leaves an absent one out
            attachment["description"] = meta["description"]
        result.append(attachment)
    return result


def build_message(
    emu: Core,
    channel: Channel,
    author: User,
    payload: Json,
    files: list[tuple[str, bytes, str]],
) -> Message:
    flags = int(payload.get("flags") or 0)
    validate(payload, v2=is_v2(flags))
    attachments = attachments_from(emu, payload, files)
    check_message(flags, payload, attachments)
    content = str(payload.get("content") or "")
    mentions = [
        emu.world.users[int(u)] for u in MENTION.findall(content) if int(u) in emu.world.users
    ]
    msg = Message(
        id=emu.ids.next(),
        channel_id=channel.id,
        guild_id=channel.guild_id or None,
        author=author,
        content=content,
        embeds=list(payload.get("embeds") or []),
        components=list(payload.get("components") or []),
        attachments=attachments,
        nonce=payload.get("nonce"),
        flags=flags,
        mentions=mentions,
    )
    if payload.get("message_reference"):
        msg.message_reference = reference(payload["message_reference"], channel)
        msg.type = 19
    if not (msg.content or msg.embeds or msg.attachments or msg.components):
        raise api_error(400, 50006, "Cannot send an empty message")
    return msg


def event_payload(emu: Core, msg: Message) -> Json:
    data = msg.to_dict(emu.bot_user_id)
    guild = emu.world.guilds.get(msg.guild_id or 0)
    if guild is not None and msg.author.id in guild.members:
        member = guild.members[msg.author.id].to_dict()
        member.pop("user")
        data["member"] = member
    return data


async def publish(emu: Core, msg: Message) -> None:
    """Store a message and report it as Discord does (no events for ephemeral ones)."""
    emu.world.add_message(msg)
    if not msg.ephemeral:
        await emu.dispatch(
            "MESSAGE_CREATE", event_payload(emu, msg), guild=msg.guild_id is not None
        )
    else:
        emu.changed()


async def check_thread_for_post(emu: Core, channel: Channel, perms: int) -> None:
    if not channel.is_thread:
        return
    if channel.locked and perms != -1 and not perms & FLAGS["MANAGE_THREADS"]:
        raise api_error(403, 50013, "Missing Permissions")
    if channel.archived:
        # Posting in an archived, unlocked thread unarchives it.
        channel.archived = False
        channel.archive_timestamp = now_iso()
        await emu.dispatch("THREAD_UPDATE", channel.to_dict())


async def create_message(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    body = body_of(request)
    payload: Json = body.json or {}
    needed = ["SEND_MESSAGES_IN_THREADS" if channel.is_thread else "SEND_MESSAGES"]
    if body.files:
        needed.append("ATTACH_FILES")
    perms = require(emu, channel, *needed)
    nonce = payload.get("nonce")
    if nonce is not None and payload.get("enforce_nonce"):
        seen = emu.nonces.get((channel.id, str(nonce)))
        if seen is not None and time.monotonic() - seen[0] < emu.nonce_window:
            existing = emu.world.messages.get(channel.id, {}).get(seen[1])
            if existing is not None:
                return ok(existing.to_dict(emu.bot_user_id))
    await check_thread_for_post(emu, channel, perms)
    msg = build_message(emu, channel, emu.bot_user, payload, body.files)
    if nonce is not None:
        emu.nonces[(channel.id, str(nonce))] = (time.monotonic(), msg.id)
    await publish(emu, msg)
    return ok(msg.to_dict(emu.bot_user_id))


def reference(given: Json, channel: Any) -> Json:
    """A reply's message_reference as Discord echoes it: ids as strings whatever the request
    sent (discord.py sends integers), the channel and guild filled in, the type (0 default)."""
    ref: Json = {
        "type": int(given.get("type") or 0),
        "channel_id": str(given.get("channel_id") or channel.id),
    }
    if given.get("message_id") is not None:
        ref["message_id"] = str(given["message_id"])
    guild_id = given.get("guild_id") or channel.guild_id
    if guild_id:
        ref["guild_id"] = str(guild_id)
    return ref


def apply_edit(emu: Core, msg: Message, payload: Json, files: list[tuple[str, bytes, str]]) -> None:
    """Judged on the message as it would stand after it (V2 rules: layouts.py)."""
    flags = edited_flags(msg.flags, payload)
    validate(payload, v2=is_v2(flags))
    attachments = msg.attachments
    if "attachments" in payload or files:
        keep = {str(a.get("id")) for a in payload.get("attachments") or []}
        kept = [a for a in msg.attachments if a["id"] in keep]
        attachments = kept + attachments_from(emu, payload, files)
    after = {k: payload.get(k, getattr(msg, k)) for k in ("content", "embeds", "components")}
    check_message(flags, after, attachments)
    msg.content, msg.flags, msg.attachments = str(after["content"] or ""), flags, attachments
    msg.embeds, msg.components = list(after["embeds"] or []), list(after["components"] or [])
    msg.edited_timestamp = now_iso()


async def edit_message(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    require(emu, channel)
    msg = get_message(emu, channel.id, snowflake_param(request, "message_id"))
    if msg.author.id != emu.bot_user_id:
        raise api_error(403, 50005, "Cannot edit a message authored by another user")
    refuse_if_archived(channel)
    body = body_of(request)
    apply_edit(emu, msg, body.json or {}, body.files)
    await emu.dispatch("MESSAGE_UPDATE", event_payload(emu, msg), guild=msg.guild_id is not None)
    return ok(msg.to_dict(emu.bot_user_id))


async def delete_message(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    msg = get_message(emu, channel.id, snowflake_param(request, "message_id"))
    if msg.author.id != emu.bot_user_id:
        require(emu, channel, "MANAGE_MESSAGES")
    else:
        require(emu, channel)
    await remove_message(emu, msg)
    return no_content()


async def remove_message(emu: Core, msg: Message) -> None:
    msg.deleted = True
    data: Json = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
    if msg.guild_id:
        data["guild_id"] = str(msg.guild_id)
    await emu.dispatch("MESSAGE_DELETE", data, guild=msg.guild_id is not None)


async def get_one(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    require(emu, channel, "READ_MESSAGE_HISTORY")
    msg = get_message(emu, channel.id, snowflake_param(request, "message_id"))
    return ok(msg.to_dict(emu.bot_user_id))


async def list_messages(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    require(emu, channel, "READ_MESSAGE_HISTORY")
    limit = max(1, min(int(request.query.get("limit", 50)), 100))
    ordered = sorted(emu.messages(channel.id), key=lambda m: m.id)
    q = request.query
    if "before" in q:
        chosen = [m for m in ordered if m.id < int(q["before"])][-limit:]
    elif "after" in q:
        chosen = [m for m in ordered if m.id > int(q["after"])][:limit]
    elif "around" in q:
        pivot = int(q["around"])
        older = [m for m in ordered if m.id < pivot][-(limit // 2) :] if limit > 1 else []
        newer = [m for m in ordered if m.id >= pivot][: limit - len(older)]
        chosen = older + newer
    else:
        chosen = ordered[-limit:]
    # Discord always answers newest first.
    return ok([m.to_dict(emu.bot_user_id) for m in reversed(chosen)])


def reaction_event(emu: Core, msg: Message, user_id: int, emoji: str) -> Json:
    name, _, emoji_id = emoji.partition(":")
    data: Json = {
        "user_id": str(user_id),
        "channel_id": str(msg.channel_id),
        "message_id": str(msg.id),
        "emoji": {"id": emoji_id or None, "name": name},
        "burst": False,
        "type": 0,
        "message_author_id": str(msg.author.id),
    }
    guild = emu.world.guilds.get(msg.guild_id or 0)
    if guild is not None:
        data["guild_id"] = str(guild.id)
        if user_id in guild.members:
            data["member"] = guild.members[user_id].to_dict()
    return data


async def add_reaction(emu: Core, msg: Message, user_id: int, emoji: str) -> None:
    users = msg.reactions.setdefault(emoji, set())
    if user_id in users:
        return
    users.add(user_id)
    await emu.dispatch("MESSAGE_REACTION_ADD", reaction_event(emu, msg, user_id, emoji))


async def put_reaction(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    require(emu, channel, "READ_MESSAGE_HISTORY", "ADD_REACTIONS")
    msg = get_message(emu, channel.id, snowflake_param(request, "message_id"))
    refuse_if_archived(channel)
    await add_reaction(emu, msg, emu.bot_user_id, request.match_info["emoji"])
    return no_content()


async def delete_reaction(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    who = request.match_info.get("user_id", "@me")
    require(emu, channel, *([] if who == "@me" else ["MANAGE_MESSAGES"]))
    msg = get_message(emu, channel.id, snowflake_param(request, "message_id"))
    refuse_if_archived(channel)
    emoji = request.match_info["emoji"]
    user_id = emu.bot_user_id if who == "@me" else int(who)
    users = msg.reactions.get(emoji, set())
    if user_id in users:
        users.discard(user_id)
        await emu.dispatch("MESSAGE_REACTION_REMOVE", reaction_event(emu, msg, user_id, emoji))
    return no_content()


async def get_reactions(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    require(emu, channel, "READ_MESSAGE_HISTORY")
    msg = get_message(emu, channel.id, snowflake_param(request, "message_id"))
    users = sorted(msg.reactions.get(request.match_info["emoji"], set()))
    return ok([emu.world.users[u].to_dict() for u in users])


async def pin(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    # Discord's rule since February 2026: Manage Messages alone is refused (50013).
    require(emu, channel, "PIN_MESSAGES")
    msg = get_message(emu, channel.id, snowflake_param(request, "message_id"))
    refuse_if_archived(channel)
    pinning = request.method == "PUT"
    msg.pinned = pinning
    if pinning and msg.id not in channel.pins:
        channel.pins.insert(0, msg.id)
    elif not pinning and msg.id in channel.pins:
        channel.pins.remove(msg.id)
    data = {
        "channel_id": str(channel.id),
        "guild_id": str(channel.guild_id),
        "last_pin_timestamp": now_iso(),
    }
    await emu.dispatch("CHANNEL_PINS_UPDATE", data)
    await emu.dispatch("MESSAGE_UPDATE", event_payload(emu, msg))
    return no_content()


async def list_pins(request: web.Request, emu: Core) -> web.Response:
    channel = get_channel(emu, snowflake_param(request, "channel_id"))
    require(emu, channel, "READ_MESSAGE_HISTORY")
    store = emu.world.messages.get(channel.id, {})
    pinned = [store[i] for i in channel.pins if i in store and not store[i].deleted]
    if request.path.endswith("/messages/pins"):
        items = [{"pinned_at": now_iso(), "message": m.to_dict(emu.bot_user_id)} for m in pinned]
        return ok({"items": items, "has_more": False})
    return ok([m.to_dict(emu.bot_user_id) for m in pinned])


def routes() -> list[tuple[str, str, Any]]:
    m = "/channels/{channel_id}/messages"
    one = m + "/{message_id}"
    react = one + "/reactions/{emoji}"
    return [
        ("POST", m, create_message),
        ("GET", m, list_messages),
        ("GET", m + "/pins", list_pins),
        ("PUT", m + "/pins/{message_id}", pin),
        ("DELETE", m + "/pins/{message_id}", pin),
        ("GET", "/channels/{channel_id}/pins", list_pins),
        ("PUT", "/channels/{channel_id}/pins/{message_id}", pin),
        ("DELETE", "/channels/{channel_id}/pins/{message_id}", pin),
        ("GET", one, get_one),
        ("PATCH", one, edit_message),
        ("DELETE", one, delete_message),
        ("PUT", react + "/@me", put_reaction),
        ("DELETE", react + "/@me", delete_reaction),
        ("DELETE", react + "/{user_id}", delete_reaction),
        ("GET", react, get_reactions),
    ]
