"""The contract check itself (issue 22.2): Discord's OpenAPI description is vendored with its
licence, it catches the deviations the emulator had, and its allow-list is reviewed."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator import record as recorder
from tests.ops.procs import start_emulator
from tests.support.contract import (
    ALLOWED,
    SPEC_DIR,
    Contract,
    calls_deviations,
    events_deviations,
    read_log,
    unexplained,
)

COMMANDS = "/applications/1/commands"
BASE_COMMAND: dict[str, Any] = {
    "id": "2",
    "application_id": "1",
    "version": "3",
    "type": 1,
    "name": "quiz",
    "description": "Practise one question",
    "default_member_permissions": None,
    "integration_types": [0],
}


def test_the_description_is_vendored_with_its_licence() -> None:
    assert (SPEC_DIR / "openapi.json.gz").is_file()
    assert "MIT License" in (SPEC_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "74fda0fad044407ea280043a03ffc9bc64c4e49e" in (SPEC_DIR / "README.md").read_text()
    assert Contract.load().spec["openapi"].startswith("3.1")


@pytest.mark.parametrize(
    ("change", "where", "what"),
    [
        ({"integration_types": None}, "$[*].integration_types", "type: array"),
        ({"default_member_permissions": 8}, "$[*].default_member_permissions", "type: string|null"),
        ({"id": 2}, "$[*].id", "type: string (a snowflake)"),
    ],
)
def test_the_emulators_old_deviations_are_caught(
    change: dict[str, Any], where: str, what: str
) -> None:
    contract = Contract.load()
    assert contract.check("PUT", COMMANDS, [], 200, [BASE_COMMAND]) == []
    found = contract.check("PUT", COMMANDS, [], 200, [{**BASE_COMMAND, **change}])
    assert [(d.route, d.direction, d.where, d.what) for d in found] == [
        ("PUT /applications/{application_id}/commands", "response", where, what)
    ]
    assert unexplained(found) == found  # a response deviation is never allowed


def test_an_integer_snowflake_is_allowed_in_a_request_only() -> None:
    contract = Contract.load()
    body = {"content": "hi", "allowed_mentions": {"parse": [], "roles": [123]}}
    found = contract.check("POST", "/channels/5/messages", body, 200, None)
    assert [d.what for d in found] == ["type: string (a snowflake)"]
    assert unexplained(found) == []


def test_every_allowance_has_a_reason() -> None:
    assert ALLOWED
    for allowed in ALLOWED:
        assert len(allowed.reason) > 60, allowed
        assert allowed.direction in ("request", "response")


async def test_recorded_calls_are_checked_with_what_the_emulator_answered() -> None:
    async with Emulator() as emu:
        headers = {"Authorization": f"Bot {emu.token}"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{emu.api_base}/users/@me", headers=headers) as response,
        ):
            assert response.status == 200
    (call,) = emu.calls
    assert call.response["locale"] and "primary_guild" in call.response
    assert calls_deviations(emu.calls) == []
    locale = call.response.pop("locale")
    (missing,) = calls_deviations(emu.calls)
    assert (missing.route, missing.what) == ("GET /users/@me", "required: locale")
    call.response["locale"] = locale  # or the autouse check fails this test at teardown


def test_gateway_events_are_checked_through_their_embedded_rest_objects() -> None:
    """The description has no gateway schemas: a dispatch's embedded objects are checked
    against the REST schemas Discord documents them as (a guild, its roles and channels, a
    message, an interaction's member and channel), and every id in it is a snowflake string."""
    assert not [k for k in Contract.load().spec["components"]["schemas"] if "Dispatch" in k]
    emu = Emulator()
    guild = emu.create_guild("g")
    channel = guild.create_text_channel("daily")
    guild.add_member("ana")
    created = emu.world.guild_create(emu.world.guilds[guild.id])
    assert events_deviations([("GUILD_CREATE", created)]) == []
    role = created["roles"][0]
    role.pop("colors")  # what the emulator's roles lacked before this check
    created["channels"][0]["guild_id"] = int(created["channels"][0]["guild_id"])
    found = {(d.route, d.where, d.what) for d in events_deviations([("GUILD_CREATE", created)])}
    assert found == {
        ("GATEWAY GUILD_CREATE", "$.roles[*]", "required: colors"),
        ("GATEWAY GUILD_CREATE", "$.channels[*].guild_id", "type: string (a snowflake)"),
    }
    interaction = {
        "id": "1", "application_id": "2", "type": 2, "token": "t", "version": 1,
        "channel": {"id": str(channel.id), "type": 1, "recipients": []},
    }  # fmt: skip
    (missing,) = events_deviations([("INTERACTION_CREATE", interaction)])
    assert (missing.where, missing.what) == ("$.channel", "required: flags")
    assert unexplained([missing]) == [missing]  # an event deviation is never allowed


def test_an_emulator_in_another_process_is_checked_too(tmp_path: Path) -> None:
    """`python -m bot.sandbox.emulator` writes each REST call and gateway dispatch to the folder
    in EMULATOR_CONTRACT_LOG as it goes (it is usually killed, not closed); the autouse
    fixture reads that folder when the test ends. Here the log is read by hand."""
    fixture_folder = Path(os.environ[recorder.ENV])  # set by the autouse fixture
    assert fixture_folder.is_dir()
    emu, env = start_emulator(tmp_path)
    try:
        asyncio.run(_call_and_identify(env))
    finally:
        emu.stop()  # SIGKILL, as the tests stop it
    (log,) = fixture_folder.glob("*.jsonl")
    calls, events = read_log(log)
    assert [c.route_key for c in calls] == ["GET /users/@me"]
    assert [e for e, _ in events] == ["READY", "GUILD_CREATE"]
    assert calls_deviations(calls) == [] and events_deviations(events) == []


async def _call_and_identify(env: dict[str, str]) -> None:
    headers = {"Authorization": f"Bot {env['DISCORD_TOKEN']}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{env['DISCORD_API_BASE']}/users/@me", headers=headers) as r:
            assert r.status == 200
        async with session.ws_connect(env["DISCORD_GATEWAY_URL"]) as ws:
            await ws.receive_json(timeout=5)  # HELLO
            identify = {"token": env["DISCORD_TOKEN"], "intents": 1 | 512, "properties": {}}
            await ws.send_json({"op": 2, "d": identify})
            assert (await ws.receive_json(timeout=5))["t"] == "READY"
            assert (await ws.receive_json(timeout=5))["t"] == "GUILD_CREATE"
