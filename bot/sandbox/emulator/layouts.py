"""Discord's rules for messages laid out with components (Components V2: the message flag
IS_COMPONENTS_V2, 1 << 15), and how Discord answers such a message.

With the flag: the top level holds action rows, sections, text displays, media galleries, files,
separators and containers; a container holds all of those but containers; a section holds one to
three text displays and a button or thumbnail accessory; at most 40 components in the whole tree
(nested ones count) and 4,000 characters across its text displays; ``content``, ``embeds``,
``poll`` and ``sticker_ids`` are refused; component ids and custom ids are unique. Without the
flag only action rows may be at the top level. Once a message has the flag an edit cannot take
it away. A breach is 400 50035 Invalid Form Body with Discord's nested ``errors`` (the codes for
the V2-only rules are modelled on Discord's naming: its description does not list them).
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.emulator.layout_text import buttons as buttons
from bot.sandbox.emulator.layout_text import count as count
from bot.sandbox.emulator.layout_text import texts as texts
from bot.sandbox.emulator.layout_text import tree as tree
from bot.sandbox.emulator.layout_text import visible_text as visible_text
from bot.sandbox.emulator.wire import ApiError

Json = dict[str, Any]
IS_COMPONENTS_V2 = 1 << 15
EPHEMERAL = 1 << 6
ACTION_ROW, BUTTON, SECTION, TEXT_DISPLAY, THUMBNAIL = 1, 2, 9, 10, 11
MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER = 12, 13, 14, 17
SELECTS = frozenset({3, 5, 6, 7, 8})
IN_CONTAINER = frozenset({ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR})
TOP_LEVEL = IN_CONTAINER | {CONTAINER}
MAX_COMPONENTS = 40
MAX_TEXT = 4000
LEGACY_FIELDS = ("content", "embeds", "poll", "sticker_ids")


def form_error(path: str, code: str, message: str) -> ApiError:
    """400 50035 with the field errors nested as Discord nests them
    (``components.0.components.1`` -> {"components": {"0": {"components": {"1": {"_errors":
    [...]}}}}}); discord.py shows them as "In components.0.components.1: ..."."""
    errors: Json = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)


def is_v2(flags: int) -> bool:
    return bool(flags & IS_COMPONENTS_V2)


def edited_flags(old_flags: int, payload: Json) -> int:
    """A message's flags after an edit (EPHEMERAL stays as it was; no ``flags``: unchanged);
    refused when the edit would take IS_COMPONENTS_V2 away from a message that has it."""
    new = payload.get("flags")
    if new is None:
        return old_flags
    if is_v2(old_flags) and not is_v2(int(new)):
        raise form_error(
            "flags",
            "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG",
            "The IS_COMPONENTS_V2 flag cannot be removed from a message once set.",
        )
    return (old_flags & EPHEMERAL) | int(new)


def check_message(flags: int, message: Json, attachments: list[Json]) -> None:
    """The whole message as it would stand (a new one, or an old one after an edit)."""
    components = list(message.get("components") or [])
    if not is_v2(flags):
        for n, item in enumerate(components):
            if item.get("type") != ACTION_ROW:
                raise form_error(
                    f"components.{n}",
                    "UNION_TYPE_CHOICES",
                    'Value of field "type" must be one of (1,).',
                )
        return
    for name in LEGACY_FIELDS:
        if message.get(name):
            raise form_error(
                name,
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                f"The '{name}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
    if not components:
        raise ApiError(400, 50006, "Cannot send an empty message")
    tally = Tally({str(a.get("filename")) for a in attachments})
    for n, item in enumerate(components):
        tally.walk(f"components.{n}", item, TOP_LEVEL)
    if tally.count > MAX_COMPONENTS:
        raise form_error(
            "components",
            "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED",
            f"A message holds at most {MAX_COMPONENTS} components, nested ones included "
            f"(this one has {tally.count}).",
        )
    if tally.text > MAX_TEXT:
        raise form_error(
            "components",
            "COMPONENT_MAX_TOTAL_TEXT_LENGTH_EXCEEDED",
            f"The text displays of a message hold at most {MAX_TEXT} characters "
            f"(this one has {tally.text}).",
        )


class Tally:
    """Walks a V2 tree: checks each component where it stands, counts components and text."""

    def __init__(self, filenames: set[str]) -> None:
        self.filenames = filenames
        self.count = 0
        self.text = 0
        self.ids: set[int] = set()
        self.custom_ids: set[str] = set()

    def walk(self, where: str, item: Json, allowed: frozenset[int]) -> None:
        kind = item.get("type")
        if kind not in allowed:
            choices = ",".join(str(k) for k in sorted(allowed))
            raise form_error(
                f"{where}.type",
                "UNION_TYPE_CHOICES",
                f'Value of field "type" must be one of ({choices}).',
            )
        self.count += 1
        self._unique(where, item)
        if kind == CONTAINER:
            self._children(where, item, IN_CONTAINER, 1, MAX_COMPONENTS)
            accent = item.get("accent_color")
            if accent is not None and not 0 <= int(accent) <= 0xFFFFFF:
                raise form_error(
                    f"{where}.accent_color", "NUMBER_TYPE_MAX", "Must be 16777215 or less."
                )
        elif kind == SECTION:
            self._children(where, item, frozenset({TEXT_DISPLAY}), 1, 3)
            accessory = item.get("accessory")
            if not isinstance(accessory, dict):
                raise form_error(
                    f"{where}.accessory", "BASE_TYPE_REQUIRED", "This field is required"
                )
            self.walk(f"{where}.accessory", accessory, frozenset({BUTTON, THUMBNAIL}))
        elif kind == ACTION_ROW:
            self._row(where, item)
        elif kind == TEXT_DISPLAY:
            content = item.get("content")
            if not isinstance(content, str) or not 1 <= len(content) <= MAX_TEXT:
                raise form_error(
                    f"{where}.content",
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 4000 in length.",
                )
            self.text += len(content)
        elif kind == MEDIA_GALLERY:
            items = item.get("items")
            if not isinstance(items, list) or not 1 <= len(items) <= 10:
                raise form_error(
                    f"{where}.items", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 10 in length."
                )
            for k, entry in enumerate(items):
                self._media(f"{where}.items.{k}.media", entry.get("media"), attachment_only=False)
        elif kind == FILE:
            self._media(f"{where}.file", item.get("file"), attachment_only=True)
        elif kind == THUMBNAIL:
            self._media(f"{where}.media", item.get("media"), attachment_only=False)
        elif kind == SEPARATOR and item.get("spacing") not in (None, 1, 2):
            raise form_error(f"{where}.spacing", "ENUM_TYPE_COERCE", "Value must be one of (1, 2).")

    def _unique(self, where: str, item: Json) -> None:
        given = item.get("id")
        if given is not None:
            if int(given) in self.ids:
                raise form_error(
                    f"{where}.id", "COMPONENT_ID_DUPLICATED", "Component IDs must be unique."
                )
            self.ids.add(int(given))
        custom_id = item.get("custom_id")
        if custom_id is not None:
            if len(str(custom_id)) > 100:
                raise form_error(
                    f"{where}.custom_id", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."
                )
            if custom_id in self.custom_ids:
                raise form_error(
                    f"{where}.custom_id",
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            self.custom_ids.add(str(custom_id))

    def _children(
        self, where: str, item: Json, allowed: frozenset[int], low: int, high: int
    ) -> None:
        children = item.get("components")
        if not isinstance(children, list) or not low <= len(children) <= high:
            raise form_error(
                f"{where}.components",
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between {low} and {high} in length.",
            )
        for n, child in enumerate(children):
            self.walk(f"{where}.components.{n}", child, allowed)

    def _row(self, where: str, item: Json) -> None:
        children = item.get("components") or []
        kinds = {c.get("type") for c in children}
        buttons = kinds == {BUTTON} and 1 <= len(children) <= 5
        select = len(children) == 1 and kinds <= SELECTS
        if not (buttons or select):
            raise form_error(
                f"{where}.components",
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "An action row holds 1 to 5 buttons or a single select.",
            )
        for n, child in enumerate(children):
            self.count += 1
            self._unique(f"{where}.components.{n}", child)

    def _media(self, where: str, media: Any, *, attachment_only: bool) -> None:
        url = media.get("url") if isinstance(media, dict) else None
        if not isinstance(url, str) or not url:
            raise form_error(f"{where}.url", "BASE_TYPE_REQUIRED", "This field is required")
        if url.startswith("attachment://"):
            if url.removeprefix("attachment://") not in self.filenames:
                raise form_error(
                    f"{where}.url",
                    "UNFURLED_MEDIA_ATTACHMENT_NOT_FOUND",
                    f"No attachment named {url.removeprefix('attachment://')!r} in this message.",
                )
        elif attachment_only:
            raise form_error(
                f"{where}.url",
                "UNFURLED_MEDIA_ITEM_ATTACHMENT_ONLY",
                "A file component takes attachment:// urls only.",
            )


# -- answers ----------------------------------------------------------------------------------
def answered(components: list[Json], attachments: list[Json]) -> list[Json]:
    """A stored message's components as Discord answers them (numbered, then completed)."""
    return as_response(numbered(components), attachments)


def numbered(components: list[Json]) -> list[Json]:
    """Components as Discord answers them: every one with an ``id`` (numbered in tree order
    from 1 where the sender gave none) and emoji ids as strings."""
    counter = [0]

    def walk(items: list[Json]) -> list[Json]:
        out = []
        for item in items:
            copy = dict(item)
            counter[0] += 1
            copy.setdefault("id", counter[0])
            emoji = copy.get("emoji")
            if isinstance(emoji, dict):  # a unicode emoji has no id at all, a custom one a string
                copy["emoji"] = {k: str(v) if k == "id" else v for k, v in emoji.items()}
                if emoji.get("id") is None:
                    copy["emoji"].pop("id")
            for key in ("components",):
                if isinstance(copy.get(key), list):
                    copy[key] = walk(copy[key])
            for key in ("component", "accessory"):
                if isinstance(copy.get(key), dict):
                    copy[key] = walk([copy[key]])[0]
            out.append(copy)
        return out

    return walk(components)


def as_response(components: list[Json], attachments: list[Json]) -> list[Json]:
    """Components as Discord answers them (ids numbered already): every field its response
    schema requires, and attachment:// references resolved to the uploaded attachment."""
    by_name = {str(a.get("filename")): a for a in attachments}
    return [_answer(item, by_name) for item in components]


def _answer(item: Json, by_name: dict[str, Json]) -> Json:
    out = dict(item)
    kind = item.get("type")
    if isinstance(out.get("components"), list):
        out["components"] = [_answer(c, by_name) for c in out["components"]]
    if isinstance(out.get("accessory"), dict):
        out["accessory"] = _answer(out["accessory"], by_name)
    if kind == CONTAINER:
        out.setdefault("accent_color", None)
        out.setdefault("spoiler", False)
    elif kind == SEPARATOR:
        out["spacing"] = out.get("spacing") or 1
        out["divider"] = bool(out.get("divider", True))
    elif kind == MEDIA_GALLERY:
        out["items"] = [
            {
                "media": _unfurled(entry.get("media") or {}, by_name),
                "description": entry.get("description"),
                "spoiler": bool(entry.get("spoiler", False)),
            }
            for entry in item.get("items") or []
        ]
    elif kind == FILE:
        media = _unfurled(item.get("file") or {}, by_name)
        attachment = by_name.get(
            str(item.get("file", {}).get("url", "")).removeprefix("attachment://")
        )
        out["file"] = media
        out["name"] = attachment["filename"] if attachment else None
        out["size"] = attachment["size"] if attachment else None
        out["spoiler"] = bool(item.get("spoiler", False))
    elif kind == THUMBNAIL:
        out["media"] = _unfurled(item.get("media") or {}, by_name)
        out.setdefault("description", None)
        out["spoiler"] = bool(item.get("spoiler", False))
    return out


def _unfurled(media: Json, by_name: dict[str, Json]) -> Json:
    url = str(media.get("url", ""))
    attachment = (
        by_name.get(url.removeprefix("attachment://")) if url.startswith("attachment://") else None
    )
    if attachment is None:
        return {"id": str(abs(hash(url)) % (1 << 62)), "url": url, "proxy_url": url}
    return {
        "id": attachment["id"],
        "url": attachment["url"],
        "proxy_url": attachment["proxy_url"],
        "width": None,
        "height": None,
        "content_type": attachment.get("content_type"),
        "attachment_id": attachment["id"],
    }
