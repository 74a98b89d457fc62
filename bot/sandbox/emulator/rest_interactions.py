"""REST: interaction callbacks and the follow-up webhook (no bot token; the interaction's)."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from bot.sandbox.emulator.contexts import USER_INSTALL_FOLLOWUPS
from bot.sandbox.emulator.core import Core
from bot.sandbox.emulator.interactions import Interaction
from bot.sandbox.emulator.modals import validate_modal
from bot.sandbox.emulator.rest_messages import (
    api_error,
    apply_edit,
    body_of,
    build_message,
    event_payload,
    no_content,
    ok,
    publish,
    remove_message,
    snowflake_param,
)
from bot.sandbox.emulator.state import EPHEMERAL, LOADING, Message

Json = dict[str, Any]


def lookup(emu: Core, token: str) -> Interaction:
    inter = emu.interactions.get(token)
    if inter is None:
        raise api_error(404, 10062, "Unknown interaction")
    return inter


def metadata(inter: Interaction) -> Json:
    data: Json = {
        "id": str(inter.id),
        "type": inter.type,
        "user": inter.user.to_dict(),
        "authorizing_integration_owners": inter.owners or {"0": str(inter.guild_id)},
    }
    if inter.name:
        data["name"] = inter.name
    if inter.type == 3 and inter.source_message_id:
        data["interacted_message_id"] = str(inter.source_message_id)
    if inter.type == 5 and inter.opened_by is not None:
        # Discord names what opened the modal: the command or the button press.
        data["triggering_interaction_metadata"] = metadata(inter.opened_by)
    return data


async def _respond_with_message(
    emu: Core,
    inter: Interaction,
    data: Json,
    files: list[tuple[str, bytes, str]],
    loading: bool,
) -> Message:
    channel = emu.world.channels[inter.channel_id]
    if inter.private_replies:  # the server keeps external apps' replies private
        data = {**data, "flags": int(data.get("flags") or 0) | EPHEMERAL}
    if loading:
        msg = Message(
            id=emu.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id or None,
            author=emu.bot_user,
            flags=(int(data.get("flags") or 0) & EPHEMERAL) | LOADING,
        )
    else:
        msg = build_message(emu, channel, emu.bot_user, data, files)
    msg.webhook_id = emu.application_id
    msg.type = 20 if inter.type == 2 else 19
    msg.interaction_metadata = metadata(inter)
    await publish(emu, msg)
    inter.original_id = msg.id
    return msg


async def callback(request: web.Request, emu: Core) -> web.Response:
    inter = lookup(emu, request.match_info["interaction_token"])
    if snowflake_param(request, "interaction_id") != inter.id:
        raise api_error(404, 10062, "Unknown interaction")
    if inter.response is not None:
        raise api_error(400, 40060, "Interaction has already been acknowledged.")
    if time.monotonic() - inter.created_at > emu.interaction_deadline:
        raise api_error(404, 10062, "Unknown interaction")
    body = body_of(request)
    payload: Json = body.json or {}
    kind = int(payload.get("type", 0))
    data: Json = payload.get("data") or {}
    msg: Message | None = None
    if kind == 4:
        msg = await _respond_with_message(emu, inter, data, body.files, loading=False)
    elif kind == 5:
        msg = await _respond_with_message(emu, inter, data, body.files, loading=True)
    elif kind in (6, 7):
        if inter.source_message_id is None:
            raise api_error(400, 40004, "Interaction is not a component interaction")
        inter.original_id = inter.source_message_id
        if kind == 7:
            msg = emu.world.find_message(inter.source_message_id)
            assert msg is not None
            apply_edit(emu, msg, data, body.files)
            if not msg.ephemeral:
                await emu.dispatch("MESSAGE_UPDATE", event_payload(emu, msg))
    elif kind == 9:
        validate_modal(data)
    elif kind not in (1, 8):
        raise api_error(400, 50035, f"Invalid Form Body (type: unknown callback type {kind})")
    inter.response = payload
    emu.changed()
    if request.query.get("with_response") not in ("1", "true", "True"):
        return no_content()
    info: Json = {"id": str(inter.id), "type": inter.type}
    if msg is not None:  # Discord leaves the message fields out when there is none
        info["response_message_id"] = str(msg.id)
        info["response_message_loading"] = kind == 5
        info["response_message_ephemeral"] = msg.ephemeral
    resource: Json = {"type": kind}
    if msg is not None:
        resource["message"] = msg.to_dict(emu.bot_user_id)
    return ok({"interaction": info, "resource": resource})


def _check_app(request: web.Request, emu: Core) -> Interaction:
    if snowflake_param(request, "application_id") != emu.application_id:
        raise api_error(404, 10015, "Unknown Webhook")
    return lookup(emu, request.match_info["interaction_token"])


def _target(emu: Core, inter: Interaction, message_ref: str) -> Message:
    if message_ref == "@original":
        if inter.original_id is None:
            raise api_error(404, 10008, "Unknown Message")
        message_id = inter.original_id
    else:
        message_id = int(message_ref)
        if message_id != inter.original_id and message_id not in {m.id for m in inter.followups}:
            raise api_error(404, 10008, "Unknown Message")
    msg = emu.world.find_message(message_id)
    if msg is None or msg.deleted:
        raise api_error(404, 10008, "Unknown Message")
    return msg


async def followup(request: web.Request, emu: Core) -> web.Response:
    inter = _check_app(request, emu)
    if inter.response is None:
        raise api_error(404, 10015, "Unknown Webhook")
    body = body_of(request)
    payload: Json = body.json or {}
    if inter.user_installed_only and len(inter.followups) >= USER_INSTALL_FOLLOWUPS:
        raise api_error(
            400, 50035, "Invalid Form Body (a user-installed app gets at most 5 follow-ups)"
        )
    if inter.private_replies:
        payload = {**payload, "flags": int(payload.get("flags") or 0) | EPHEMERAL}
    original = emu.world.find_message(inter.original_id) if inter.original_id else None
    if original is not None and original.flags & LOADING:
        # The first follow-up after a deferral replaces the "thinking" message.
        original.flags &= ~LOADING
        apply_edit(emu, original, payload, body.files)
        msg = original
        if not msg.ephemeral:
            await emu.dispatch("MESSAGE_UPDATE", event_payload(emu, msg))
    else:
        channel = emu.world.channels[inter.channel_id]
        msg = build_message(emu, channel, emu.bot_user, payload, body.files)
        msg.webhook_id = emu.application_id
        msg.interaction_metadata = metadata(inter)
        await publish(emu, msg)
    inter.followups.append(msg)
    emu.changed()
    if request.query.get("wait") in ("1", "true", "True"):
        return ok(msg.to_dict(emu.bot_user_id))
    return no_content()


async def webhook_message(request: web.Request, emu: Core) -> web.Response:
    inter = _check_app(request, emu)
    msg = _target(emu, inter, request.match_info["message_id"])
    if request.method == "GET":
        return ok(msg.to_dict(emu.bot_user_id))
    if request.method == "DELETE":
        if msg.ephemeral:
            msg.deleted = True
            emu.changed()
        else:
            await remove_message(emu, msg)
        return no_content()
    body = body_of(request)
    msg.flags &= ~LOADING
    apply_edit(emu, msg, body.json or {}, body.files)
    if not msg.ephemeral:
        await emu.dispatch("MESSAGE_UPDATE", event_payload(emu, msg))
    emu.changed()
    return ok(msg.to_dict(emu.bot_user_id))


def routes() -> list[tuple[str, str, Any]]:
    hook = "/webhooks/{application_id}/{interaction_token}"
    return [
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", callback),
        ("POST", hook, followup),
        ("GET", hook + "/messages/{message_id}", webhook_message),
        ("PATCH", hook + "/messages/{message_id}", webhook_message),
        ("DELETE", hook + "/messages/{message_id}", webhook_message),
    ]
