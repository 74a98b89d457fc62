"""A message laid out with components (Components V2), printed as Discord shows it: a container
as a bar in its accent colour's place, headings and small print without their markup, a button
beside the text it belongs to, rows of buttons, attached files and images by name."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Json = dict[str, Any]
PAD = " " * 19
HEADING = re.compile(r"^(?:#{1,3}|-#) ", re.MULTILINE)


def plain(text: str) -> str:
    """Headings (#, ##, ###) and small print (-#) as their words."""
    return HEADING.sub("", text)


def lines(components: list[Json], human: Callable[[str], str], bar: str = "") -> list[str]:
    out: list[str] = []
    for item in components:
        kind = item.get("type")
        if kind == 17:  # a container: a bar down its left side
            out.append(f"{PAD}{bar}┏{'━' * 40}")
            out += lines(list(item.get("components") or []), human, bar + "┃ ")
            out.append(f"{PAD}{bar}┗{'━' * 40}")
        elif kind == 10:
            out += [f"{PAD}{bar}{line}" for line in human(plain(item["content"])).splitlines()]
        elif kind == 14:
            out.append(f"{PAD}{bar}{'─' * 38 if item.get('divider', True) else ''}".rstrip())
        elif kind == 9:  # a section: its text, the accessory beside its last line
            text = lines(list(item.get("components") or []), human, bar)
            accessory = item.get("accessory") or {}
            if accessory.get("type") == 2 and text:
                text[-1] += f"   [{accessory.get('label', '')}]"
            out += text
        elif kind == 1:
            labels = " ".join(f"[{b.get('label', '')}]" for b in item.get("components") or [])
            out.append(f"{PAD}{bar}{labels}")
        elif kind == 12:
            for entry in item.get("items") or []:
                name = str((entry.get("media") or {}).get("url", "")).rsplit("/", 1)[-1]
                out.append(f"{PAD}{bar}[image: {name}]")
        elif kind == 13:
            file = item.get("file") or {}
            name = item.get("name") or str(file.get("url", "")).rsplit("/", 1)[-1]
            size = f", {item['size']:,} bytes" if item.get("size") else ""
            out.append(f"{PAD}{bar}[file: {name}{size}]")
    return out
