"""The Discord permissions drillbot needs, which feature needs each, and their bits.

One table for `/drill setup` and `/drill status` (what is missing in the question channel),
`drillbot invite` (the permissions integer of the invite URL) and the README. The bits are
Discord's (https://discord.com/developers/docs/topics/permissions); the names are discord.py's
``Permissions`` attributes, so the glue can compare them with a channel's permissions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Need:
    attr: str  # discord.py Permissions attribute
    label: str  # the name Discord's UI shows
    bit: int
    feature: str  # what breaks without it
    always: bool = True  # False: only for an optional feature


NEEDS: tuple[Need, ...] = (
    Need("view_channel", "View Channel", 1 << 10, "the daily question: see its channel"),
    Need("send_messages", "Send Messages", 1 << 11, "the daily question: post it"),
    Need("embed_links", "Embed Links", 1 << 14, "the weekly digest is an embed"),
    Need(
        "create_public_threads",
        "Create Public Threads",
        1 << 35,
        "the daily question: its answer thread",
    ),
    Need("manage_threads", "Manage Threads", 1 << 34, "the reveal: close the answer thread"),
    Need(
        "read_message_history",
        "Read Message History",
        1 << 16,
        "after a restart: find its own post and the answers given meanwhile",
    ),
    Need(
        "send_messages_in_threads",
        "Send Messages in Threads",
        1 << 38,
        "the reveal: post it in the thread",
    ),
    # Since February 2026 pinning takes Pin Messages; Manage Messages no longer covers it.
    Need("pin_messages", "Pin Messages", 1 << 51, "/drill pin on: pin each day's question", False),
    Need(
        "create_private_threads",
        "Create Private Threads",
        1 << 36,
        "/mock start partner: the pair's private thread",
        False,
    ),
    Need(
        "attach_files",
        "Attach Files",
        1 << 15,
        "/drill gaps share: the heatmap; the reveal: a long worked solution as a file",
        False,
    ),
)

PIN = next(n for n in NEEDS if n.attr == "pin_messages")


def invite_permissions() -> int:
    """The permissions integer of the invite: everything any feature needs."""
    total = 0
    for need in NEEDS:
        total |= need.bit
    return total
