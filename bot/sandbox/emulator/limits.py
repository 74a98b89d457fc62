"""Discord's size limits on message payloads; a breach is 400 50035 Invalid Form Body."""

from __future__ import annotations

from typing import Any

from bot.sandbox.emulator.wire import ApiError

Json = dict[str, Any]

EMBED_FIELDS = {"title": 256, "description": 4096}
EMBED_TOTAL = 6000


def invalid(where: str, why: str) -> ApiError:
    return ApiError(400, 50035, f"Invalid Form Body ({where}: {why})")


def validate(payload: Json, *, v2: bool = False) -> None:
    """The legacy limits; a V2 message's components are checked by layouts.check_message."""
    content = payload.get("content")
    if content is not None and len(str(content)) > 2000:
        raise invalid("content", "Must be 2000 or fewer in length.")
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        raise invalid("embeds", "Must be 10 or fewer in length.")
    total = 0
    for index, embed in enumerate(embeds):
        total += _embed_size(index, embed)
    if total > EMBED_TOTAL:
        raise invalid("embeds", f"Embed size exceeds maximum size of {EMBED_TOTAL}")
    if not v2:
        _components(payload.get("components") or [])


def _embed_size(index: int, embed: Json) -> int:
    size = 0
    for key, limit in EMBED_FIELDS.items():
        text = str(embed.get(key) or "")
        if len(text) > limit:
            raise invalid(f"embeds.{index}.{key}", f"Must be {limit} or fewer in length.")
        size += len(text)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        raise invalid(f"embeds.{index}.fields", "Must be 25 or fewer in length.")
    for n, field in enumerate(fields):
        name, value = str(field.get("name", "")), str(field.get("value", ""))
        if len(name) > 256 or len(value) > 1024:
            raise invalid(f"embeds.{index}.fields.{n}", "name ≤ 256 and value ≤ 1024")
        size += len(name) + len(value)
    footer = str((embed.get("footer") or {}).get("text") or "")
    author = str((embed.get("author") or {}).get("name") or "")
    if len(footer) > 2048:
        raise invalid(f"embeds.{index}.footer.text", "Must be 2048 or fewer in length.")
    if len(author) > 256:
        raise invalid(f"embeds.{index}.author.name", "Must be 256 or fewer in length.")
    return size + len(footer) + len(author)


def _components(rows: list[Json]) -> None:
    if len(rows) > 5 and all(r.get("type") == 1 for r in rows):
        raise invalid("components", "Must be 5 or fewer in length.")
    seen: set[str] = set()
    for index, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") == 1 and len(children) > 5:
            raise invalid(f"components.{index}.components", "Must be 5 or fewer in length.")
        for item in children:
            custom_id = item.get("custom_id")
            if custom_id is None:
                continue
            if len(custom_id) > 100:
                raise invalid(f"components.{index}", "custom_id must be 100 or fewer in length.")
            if custom_id in seen:
                raise invalid("components", f"Component custom id {custom_id!r} is duplicated")
            seen.add(custom_id)
