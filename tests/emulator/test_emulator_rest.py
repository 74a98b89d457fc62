"""The emulator's REST surface, spoken to directly with aiohttp (no discord.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator.snowflake import SnowflakeFactory, snowflake_time


class Api:
    def __init__(self, emu: Emulator, session: aiohttp.ClientSession) -> None:
        self.emu, self.session = emu, session

    async def call(
        self, method: str, path: str, json: Any = None, *, auth: bool = True, **kw: Any
    ) -> tuple[int, Any, CIMultiDictProxy[str]]:
        headers = {"Authorization": f"Bot {self.emu.token}"} if auth else {}
        url = self.emu.api_base + path
        async with self.session.request(method, url, json=json, headers=headers, **kw) as resp:
            body = await resp.json(content_type=None) if resp.status != 204 else None
            return resp.status, body, resp.headers


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(emulator, session)


def test_snowflakes_are_strictly_increasing_and_time_ordered() -> None:
    ids = SnowflakeFactory()
    seq = [ids.next() for _ in range(2000)]
    assert seq == sorted(set(seq))
    assert snowflake_time(seq[0]).year >= 2024


async def test_bad_token_is_401_and_json_is_exactly_application_json(api: Api) -> None:
    status, body, _ = await api.call("GET", "/users/@me", auth=False)
    assert status == 401 and body["code"] == 0
    status, body, headers = await api.call("GET", "/users/@me")
    assert status == 200 and body["id"] == str(api.emu.bot_user_id)
    assert headers["Content-Type"] == "application/json"


async def test_unknown_route_is_a_discord_404_and_is_recorded(api: Api) -> None:
    status, body, _ = await api.call("GET", "/voice/regions")
    assert (status, body) == (404, {"code": 0, "message": "404: Not Found"})
    assert [c.path for c in api.emu.unknown_calls] == ["/voice/regions"]


async def test_missing_send_permission_is_50013_and_missing_view_is_50001(api: Api) -> None:
    guild = api.emu.create_guild("g")
    chan = guild.create_text_channel("c")
    guild.deny_bot(chan.id, "SEND_MESSAGES")
    status, body, _ = await api.call("POST", f"/channels/{chan.id}/messages", {"content": "x"})
    assert (status, body["code"]) == (403, 50013)
    guild.deny_bot(chan.id, "VIEW_CHANNEL")
    status, body, _ = await api.call("POST", f"/channels/{chan.id}/messages", {"content": "x"})
    assert (status, body["code"]) == (403, 50001)


async def test_role_overwrites_and_administrator(api: Api) -> None:
    guild = api.emu.create_guild("g")
    chan = guild.create_text_channel("c")
    guild.overwrite(chan.id, guild.id, deny=["SEND_MESSAGES"])
    assert not api.emu.bot_permissions(chan.id) & api.emu.perm("SEND_MESSAGES")
    guild.overwrite(chan.id, guild.bot_role.id, allow=["SEND_MESSAGES"])
    assert api.emu.bot_permissions(chan.id) & api.emu.perm("SEND_MESSAGES")
    boss = guild.add_member("boss", permissions=["ADMINISTRATOR"])
    guild.overwrite(chan.id, boss.id, deny=["VIEW_CHANNEL"])
    assert boss.permissions(chan.id) & api.emu.perm("MANAGE_GUILD")


async def test_nonce_with_enforce_nonce_returns_the_first_message(api: Api) -> None:
    chan = api.emu.create_guild("g").create_text_channel("c")
    payload = {"content": "once", "nonce": "abc", "enforce_nonce": True}
    _, first, _ = await api.call("POST", f"/channels/{chan.id}/messages", payload)
    _, second, _ = await api.call("POST", f"/channels/{chan.id}/messages", payload)
    assert first["id"] == second["id"]
    assert len(api.emu.messages(chan.id)) == 1


async def test_history_pages_newest_first(api: Api) -> None:
    chan = api.emu.create_guild("g").create_text_channel("c")
    ids = []
    for n in range(5):
        _, msg, _ = await api.call("POST", f"/channels/{chan.id}/messages", {"content": str(n)})
        ids.append(msg["id"])
    _, page, _ = await api.call("GET", f"/channels/{chan.id}/messages?limit=2&after={ids[0]}")
    assert [m["id"] for m in page] == [ids[2], ids[1]]
    _, page, _ = await api.call("GET", f"/channels/{chan.id}/messages?limit=2&before={ids[4]}")
    assert [m["id"] for m in page] == [ids[3], ids[2]]
    _, page, _ = await api.call("GET", f"/channels/{chan.id}/messages")
    assert [m["id"] for m in page] == ids[::-1]


async def test_multipart_upload_is_served_back(api: Api) -> None:
    chan = api.emu.create_guild("g").create_text_channel("c")
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", '{"content": "file", "attachments": [{"id": 0}]}')
    form.add_field("files[0]", b"hello: yaml", filename="pack.yaml")
    status, msg, _ = await api.call("POST", f"/channels/{chan.id}/messages", data=form)
    assert status == 200 and msg["attachments"][0]["filename"] == "pack.yaml"
    async with api.session.get(msg["attachments"][0]["url"]) as resp:
        assert await resp.read() == b"hello: yaml"


async def test_thread_rules_archive_lock_and_50083(api: Api) -> None:
    emu = api.emu
    chan = emu.create_guild("g").create_text_channel("c")
    _, msg, _ = await api.call("POST", f"/channels/{chan.id}/messages", {"content": "q"})
    path = f"/channels/{chan.id}/messages/{msg['id']}/threads"
    status, thread, _ = await api.call("POST", path, {"name": "answers"})
    assert status == 201 and thread["id"] == msg["id"] and thread["type"] == 11
    status, again, _ = await api.call("POST", path, {"name": "twice"})
    assert (status, again["code"]) == (400, 160004)
    tid = int(thread["id"])
    _, posted, _ = await api.call("POST", f"/channels/{tid}/messages", {"content": "a"})
    await api.call("PATCH", f"/channels/{tid}", {"archived": True})
    assert emu.channel(tid).archived  # type: ignore[union-attr]
    status, body, _ = await api.call(
        "PATCH", f"/channels/{tid}/messages/{posted['id']}", {"content": "b"}
    )
    assert (status, body["code"]) == (400, 50083)
    reaction = f"/channels/{tid}/messages/{posted['id']}/reactions/%F0%9F%91%8D/@me"
    status, body, _ = await api.call("PUT", reaction)
    assert (status, body["code"]) == (400, 50083)
    # posting in an archived, unlocked thread unarchives it
    status, _, _ = await api.call("POST", f"/channels/{tid}/messages", {"content": "c"})
    assert status == 200 and not emu.channel(tid).archived  # type: ignore[union-attr]
    _, active, _ = await api.call("GET", f"/guilds/{chan.guild_id}/threads/active")
    assert [t["id"] for t in active["threads"]] == [thread["id"]]


async def test_locked_thread_refuses_a_bot_without_manage_threads(api: Api) -> None:
    guild = api.emu.create_guild("g")
    chan = guild.create_text_channel("c")
    thread = guild.create_thread(chan.id, "t", locked=True)
    guild.deny_bot(chan.id, "MANAGE_THREADS")
    status, body, _ = await api.call("POST", f"/channels/{thread.id}/messages", {"content": "x"})
    assert (status, body["code"]) == (403, 50013)


async def test_pins_new_and_old_routes(api: Api) -> None:
    chan = api.emu.create_guild("g").create_text_channel("c")
    _, msg, _ = await api.call("POST", f"/channels/{chan.id}/messages", {"content": "pin me"})
    status, _, _ = await api.call("PUT", f"/channels/{chan.id}/messages/pins/{msg['id']}")
    assert status == 204
    _, new, _ = await api.call("GET", f"/channels/{chan.id}/messages/pins")
    _, old, _ = await api.call("GET", f"/channels/{chan.id}/pins")
    assert new["items"][0]["message"]["id"] == old[0]["id"] == msg["id"]


async def test_commands_bulk_overwrite_keeps_ids(api: Api) -> None:
    emu = api.emu
    path = f"/applications/{emu.application_id}/commands"
    _, first, _ = await api.call("PUT", path, [{"name": "quiz", "description": "q"}])
    _, second, _ = await api.call("PUT", path, [{"name": "quiz", "description": "q2"}])
    assert first[0]["id"] == second[0]["id"]
    _, listed, _ = await api.call("GET", path)
    assert listed[0]["description"] == "q2"


async def test_rate_limits_headers_then_429_with_via(api: Api) -> None:
    emu = api.emu
    chan = emu.create_guild("g").create_text_channel("c")
    emu.rate_limits(enabled=True)
    path = f"/channels/{chan.id}/messages"
    statuses = []
    for n in range(6):
        status, body, headers = await api.call("POST", path, {"content": str(n)})
        statuses.append(status)
        if n == 0:
            assert headers["X-RateLimit-Limit"] == "5"
            assert headers["X-RateLimit-Remaining"] == "4"
            assert "X-RateLimit-Bucket" in headers and "X-RateLimit-Reset-After" in headers
    assert statuses == [200] * 5 + [429]
    assert headers["Via"] and headers["X-RateLimit-Scope"] == "user"
    assert body["retry_after"] > 0 and body["global"] is False
    # another channel has its own bucket
    other = emu.create_guild("h").create_text_channel("c")
    status, _, _ = await api.call("POST", f"/channels/{other.id}/messages", {"content": "x"})
    assert status == 200


async def test_faults_fail_next_and_force_429(api: Api) -> None:
    emu = api.emu
    emu.fail_next("/users/@me", status=502, times=2)
    assert (await api.call("GET", "/users/@me"))[0] == 502
    assert (await api.call("GET", "/users/@me"))[0] == 502
    assert (await api.call("GET", "/users/@me"))[0] == 200
    emu.force_429("/users/@me", retry_after=3, global_=True)
    status, body, headers = await api.call("GET", "/users/@me")
    assert status == 429 and body["global"] is True and headers["X-RateLimit-Scope"] == "global"
    call = await emu.wait_for_call(lambda c: c.status == 429, timeout=1)
    assert call.route_key == "GET /users/@me"


@pytest.mark.parametrize(
    "payload",
    [
        {"content": "x" * 2001},
        {"embeds": [{"title": "t" * 257}]},
        {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
        {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
        {"components": [{"type": 1, "components": [{"type": 2, "custom_id": "c" * 101}]}]},
    ],
)
async def test_payloads_over_discord_limits_are_50035(api: Api, payload: dict[str, Any]) -> None:
    chan = api.emu.create_guild("g").create_text_channel("c")
    status, body, _ = await api.call("POST", f"/channels/{chan.id}/messages", payload)
    assert (status, body["code"]) == (400, 50035)


async def test_active_thread_cap_is_160006(api: Api) -> None:
    api.emu.max_active_threads = 1
    chan = api.emu.create_guild("g").create_text_channel("c")
    path = f"/channels/{chan.id}/threads"
    assert (await api.call("POST", path, {"name": "a", "type": 11}))[0] == 201
    status, body, _ = await api.call("POST", path, {"name": "b", "type": 11})
    assert (status, body["code"]) == (400, 160006)


async def test_next_message_member_lookup_and_wait_for_call_since(api: Api) -> None:
    emu = api.emu
    guild = emu.create_guild("g")
    chan = guild.create_text_channel("c")
    guild.add_member("ana")
    before = await emu.member("ana").send(chan.id, "earlier")
    mark = len(emu.calls)
    waiter = asyncio.ensure_future(emu.next_message(chan.id, author_id=emu.bot_user_id))
    await asyncio.sleep(0)  # let the waiter take its floor before the bot posts
    await api.call("POST", f"/channels/{chan.id}/messages", {"content": "bot post"})
    posted = await waiter
    assert posted.content == "bot post" and posted.id > before.id
    call = await emu.wait_for_call(lambda c: c.method == "POST", since=mark)
    assert call.json == {"content": "bot post"}
