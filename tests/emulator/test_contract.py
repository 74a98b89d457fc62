"""The contract check itself (issue 22.2): Discord's OpenAPI description is vendored with its
licence, it catches the deviations the emulator had, and its allow-list is reviewed."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.sandbox.emulator import Emulator
from tests.support.contract import ALLOWED, SPEC_DIR, Contract, calls_deviations, unexplained

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
