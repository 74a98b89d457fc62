"""Messages laid out with components (Components V2): the emulator refuses what Discord refuses,
with Discord's error shape, and answers what it accepts in the shape Discord's description gives
(the autouse contract check reads every accepted body and every answer)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator.layouts import IS_COMPONENTS_V2, texts, tree
from tests.support.contract import Contract

V2 = IS_COMPONENTS_V2


class Api:
    def __init__(self, emu: Emulator, session: aiohttp.ClientSession) -> None:
        self.emu, self.session = emu, session
        self.channel = emu.create_guild("g").create_text_channel("c").id

    async def call(self, method: str, path: str, json: Any = None, **kw: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bot {self.emu.token}"}
        url = self.emu.api_base + path
        async with self.session.request(method, url, json=json, headers=headers, **kw) as resp:
            return resp.status, (await resp.json() if resp.status != 204 else None)

    async def post(self, payload: Any) -> tuple[int, Any]:
        return await self.call("POST", f"/channels/{self.channel}/messages", payload)

    async def edit(self, message_id: str, payload: Any) -> tuple[int, Any]:
        return await self.call("PATCH", f"/channels/{self.channel}/messages/{message_id}", payload)


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(emulator, session)


def text(content: str) -> dict[str, Any]:
    return {"type": 10, "content": content}


def button(custom_id: str, label: str = "Go") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


def card(*children: dict[str, Any], accent: int | None = 0x3498DB) -> dict[str, Any]:
    return {"type": 17, "accent_color": accent, "components": list(children)}


GOOD = [
    card(
        text("## Question of the day"),
        {"type": 14, "divider": True, "spacing": 1},
        {"type": 9, "components": [text("What is drift?")], "accessory": button("a:1", "Answer")},
        {"type": 1, "components": [button("a:2"), button("a:3")]},
    ),
    text("-# Daily question · 2026-03-02"),
]


def errors_at(body: dict[str, Any], path: str) -> list[dict[str, str]]:
    node: Any = body["errors"]
    for part in path.split("."):
        node = node[part]
    return list(node["_errors"])


async def test_a_v2_layout_is_stored_and_answered_in_the_described_shape(api: Api) -> None:
    status, msg = await api.post({"flags": V2, "components": GOOD})
    assert status == 200 and msg["flags"] & V2 and msg["content"] == ""
    container = msg["components"][0]
    assert container["accent_color"] == 0x3498DB and container["spoiler"] is False
    assert container["components"][1] == {"type": 14, "divider": True, "spacing": 1, "id": 3}
    ids = [container["id"], *(c["id"] for c in container["components"])]
    assert ids == sorted(set(ids))  # numbered in tree order, each once
    assert texts(msg["components"]) == [
        "## Question of the day",
        "What is drift?",
        "-# Daily question · 2026-03-02",
    ]
    assert tree(msg["components"])[:4] == [
        "Container accent #3498db",
        "  TextDisplay 22 chars «## Question of the day»",
        "  Separator",
        "  Section",
    ]


@pytest.mark.parametrize(
    ("payload", "path", "code"),
    [
        # The flag forbids the legacy fields.
        ({"flags": V2, "content": "hi", "components": GOOD}, "content", "LEGACY_FIELDS"),
        ({"flags": V2, "embeds": [{"title": "t"}], "components": GOOD}, "embeds", "LEGACY"),
        # Without the flag only action rows may stand at the top level.
        ({"components": GOOD}, "components.0", "UNION_TYPE_CHOICES"),
        # Nesting: no container in a container, a section holds text displays only.
        (
            {"flags": V2, "components": [card(card(text("x")))]},
            "components.0.components.0.type",
            "UNION",
        ),
        (
            {
                "flags": V2,
                "components": [{"type": 9, "components": [button("b")], "accessory": button("c")}],
            },
            "components.0.components.0.type",
            "UNION",
        ),
        (
            {"flags": V2, "components": [{"type": 9, "components": [text("x")]}]},
            "components.0.accessory",
            "REQUIRED",
        ),
        # 41 components, nested ones counted: a container and 40 text displays.
        (
            {"flags": V2, "components": [card(*(text("x") for _ in range(40)))]},
            "components",
            "TOTAL_COMPONENTS",
        ),
        # 4,001 characters across the text displays (each within its own 4,000).
        (
            {"flags": V2, "components": [text("x" * 2000), text("y" * 2001)]},
            "components",
            "TEXT_LENGTH",
        ),
        # Ids and custom ids are unique in the whole message.
        (
            {"flags": V2, "components": [{**text("a"), "id": 7}, {**text("b"), "id": 7}]},
            "components.1.id",
            "ID",
        ),
        (
            {
                "flags": V2,
                "components": [
                    card({"type": 1, "components": [button("z")]}),
                    {"type": 1, "components": [button("z")]},
                ],
            },
            "components.1.components.0.custom_id",
            "DUPLICATED",
        ),
        # A file component names an attachment of this message.
        (
            {"flags": V2, "components": [{"type": 13, "file": {"url": "attachment://x.py"}}]},
            "components.0.file.url",
            "ATTACHMENT",
        ),
    ],
)
async def test_layouts_discord_refuses_are_400_with_its_error_shape(
    api: Api, payload: dict[str, Any], path: str, code: str
) -> None:
    status, body = await api.post(payload)
    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    assert code in errors_at(body, path)[0]["code"]
    assert not api.emu.messages(api.channel)


async def test_forty_components_and_4000_characters_are_accepted(api: Api) -> None:
    children = [text("x" * 100) for _ in range(38)] + [text("y" * 200)]
    status, msg = await api.post({"flags": V2, "components": [card(*children)]})
    assert status == 200 and sum(len(t) for t in texts(msg["components"])) == 4000


async def test_the_flag_cannot_be_removed_nor_content_added_by_an_edit(api: Api) -> None:
    _, msg = await api.post({"flags": V2, "components": GOOD})
    status, body = await api.edit(msg["id"], {"flags": 0, "components": []})
    assert status == 400 and errors_at(body, "flags")[0]["code"].endswith("V2_FLAG")
    status, body = await api.edit(msg["id"], {"content": "closed"})
    assert status == 400 and "content" in body["errors"]
    status, body = await api.edit(msg["id"], {"embeds": [{"title": "t"}]})
    assert status == 400 and "embeds" in body["errors"]
    # Buttons disabled in place: the flag stays without being sent again.
    disabled = json.loads(
        json.dumps(GOOD).replace('"custom_id": "a:1"', '"disabled": true, "custom_id": "a:1"')
    )
    status, after = await api.edit(msg["id"], {"components": disabled})
    assert status == 200 and after["flags"] & V2
    assert after["components"][0]["components"][2]["accessory"]["disabled"] is True
    stored = api.emu.message(api.channel, int(msg["id"]))
    assert stored is not None and stored.content == "" and stored.flags & V2


async def test_an_embed_message_is_upgraded_only_with_content_and_embeds_cleared(api: Api) -> None:
    _, msg = await api.post({"content": "old", "embeds": [{"type": "rich", "title": "old"}]})
    status, body = await api.edit(msg["id"], {"flags": V2, "components": GOOD})
    assert status == 400 and "content" in body["errors"]
    status, after = await api.edit(
        msg["id"], {"flags": V2, "content": None, "embeds": [], "components": GOOD}
    )
    assert status == 200 and after["flags"] & V2 and after["embeds"] == []


async def test_a_file_and_a_gallery_resolve_their_attachments(api: Api) -> None:
    payload = {
        "flags": V2,
        "attachments": [{"id": 0, "filename": "solution.py"}, {"id": 1, "filename": "chart.png"}],
        "components": [
            card(
                {"type": 12, "items": [{"media": {"url": "attachment://chart.png"}}]},
                {"type": 13, "file": {"url": "attachment://solution.py"}},
            )
        ],
    }
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", json.dumps(payload))
    form.add_field("files[0]", b"print(1)\n", filename="solution.py")
    form.add_field("files[1]", b"\x89PNG", filename="chart.png")
    status, msg = await api.call("POST", f"/channels/{api.channel}/messages", data=form)
    assert status == 200, msg
    gallery, file = msg["components"][0]["components"]
    urls = {a["filename"]: a["url"] for a in msg["attachments"]}
    assert gallery["items"][0]["media"]["url"] == urls["chart.png"]
    assert (file["name"], file["size"], file["file"]["url"]) == (
        "solution.py",
        9,
        urls["solution.py"],
    )
    # The answer is what Discord's description says a message is.
    found = Contract.load().check("post", f"/channels/{api.channel}/messages", None, 200, msg)
    assert found == []


def test_the_vendored_description_has_the_v2_component_schemas() -> None:
    schemas = Contract.load().spec["components"]["schemas"]
    for name in ("Container", "Section", "TextDisplay", "MediaGallery", "File", "Separator"):
        assert f"{name}ComponentForMessageRequest" in schemas
        assert f"{name}ComponentResponse" in schemas
    create = schemas["MessageCreateRequest"]["properties"]["components"]["items"]["oneOf"]
    assert {"$ref": "#/components/schemas/ContainerComponentForMessageRequest"} in create
