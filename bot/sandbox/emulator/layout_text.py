"""A message laid out with components (Components V2) read back as text: its text displays,
its buttons wherever they sit, its component count as Discord counts it toward 40, and its tree
(type names, nesting, text lengths) as tests and reports describe it."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
BUTTON, TEXT_DISPLAY, MEDIA_GALLERY, FILE, CONTAINER = 2, 10, 12, 13, 17
NAMES = {
    1: "ActionRow",
    2: "Button",
    9: "Section",
    10: "TextDisplay",
    11: "Thumbnail",
    12: "MediaGallery",
    13: "File",
    14: "Separator",
    17: "Container",
}


def tree(components: list[Json]) -> list[str]:
    """The component tree, one line per component, indented by nesting: type names, text
    lengths and labels (what a reader needs to picture the message)."""
    lines: list[str] = []

    def walk(items: list[Json], depth: int) -> None:
        for item in items:
            kind = item.get("type")
            name = NAMES.get(kind or 0, f"type {kind}")
            detail = ""
            if kind == CONTAINER and item.get("accent_color") is not None:
                detail = f" accent #{int(item['accent_color']):06x}"
            elif kind == TEXT_DISPLAY:
                first = (
                    str(item.get("content", "")).splitlines()[0][:48] if item.get("content") else ""
                )
                detail = f" {len(str(item.get('content', '')))} chars «{first}»"
            elif kind == BUTTON:
                detail = f" «{item.get('label', '')}» {item.get('custom_id', item.get('url', ''))}"
            elif kind == MEDIA_GALLERY:
                urls = [str((e.get("media") or {}).get("url", "")) for e in item.get("items") or []]
                detail = f" {', '.join(u.rsplit('/', 1)[-1] for u in urls)}"
            elif kind == FILE:
                detail = f" {str((item.get('file') or {}).get('url', '')).rsplit('/', 1)[-1]}"
            lines.append(f"{'  ' * depth}{name}{detail}")
            walk(list(item.get("components") or []), depth + 1)
            if isinstance(item.get("accessory"), dict):
                lines.append(f"{'  ' * (depth + 1)}accessory:")
                walk([item["accessory"]], depth + 2)

    walk(components, 0)
    return lines


def texts(components: list[Json]) -> list[str]:
    """The text displays' contents, in reading order."""
    out: list[str] = []
    for item in components:
        if item.get("type") == TEXT_DISPLAY:
            out.append(str(item.get("content", "")))
        out.extend(texts(list(item.get("components") or [])))
    return out


def buttons(components: list[Json]) -> list[Json]:
    """Every button of a message, in a row, a container or beside a section, in tree order."""
    out: list[Json] = []
    for item in components:
        if item.get("type") == BUTTON:
            out.append(item)
        out.extend(buttons(list(item.get("components") or [])))
        if isinstance(item.get("accessory"), dict):
            out.extend(buttons([item["accessory"]]))
    return out


def count(components: list[Json]) -> int:
    """Components in the tree as Discord counts them toward 40: nested ones and accessories."""
    total = 0
    for item in components:
        total += 1 + count(list(item.get("components") or []))
        if isinstance(item.get("accessory"), dict):
            total += 1
    return total


def visible_text(content: str, embeds: list[Json], components: list[Json]) -> str:
    """Everything a reader sees as text: the content, the embeds' text and, in a message laid
    out with components, its text displays."""
    parts = [content]
    for embed in embeds:
        parts += [str(embed.get(k) or "") for k in ("title", "description")]
        parts += [f"{f.get('name')}\n{f.get('value')}" for f in embed.get("fields") or []]
        parts.append(str((embed.get("footer") or {}).get("text") or ""))
    parts += texts(components)
    return "\n".join(p for p in parts if p)
