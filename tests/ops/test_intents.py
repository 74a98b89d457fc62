"""`drillbot run` when the application has not enabled the Message Content intent: by default it
starts again without it and keeps running (one log line says answers come by button only); told
to require it, it exits 8 as before; told not to ask, it never asks."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import INTENT_REFUSED
from bot.ops.preflight import Exit
from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator.gateway import MESSAGE_CONTENT
from tests.ops.bot_process import BotProcess
from tests.ops.helpers import ROOT, clean_env

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        emulator.enabled_intents &= ~MESSAGE_CONTENT  # not enabled in the portal
        yield emulator


async def test_refused_intent_starts_again_without_it_and_keeps_running(
    emu: Emulator, tmp_path: Path
) -> None:
    bot = BotProcess(emu, tmp_path / "drillbot.sqlite3")
    try:
        await bot.start()
        assert len(emu.gateway.refused_intents) == 1
        assert not int(emu.gateway.identifies[-1]["intents"]) & MESSAGE_CONTENT
        await bot.until(lambda: INTENT_REFUSED in bot.output(), "no intent line", 10)
        bot.send(signal.SIGTERM)
        assert await bot.wait(timeout=15) == 0
    finally:
        output = await bot.close()
    assert output.count(INTENT_REFUSED) == 1
    assert "Traceback" not in output


async def test_require_exits_8_and_off_never_asks(emu: Emulator, tmp_path: Path) -> None:
    db = str(tmp_path / "drillbot.sqlite3")
    env = clean_env(
        {
            "DISCORD_TOKEN": emu.token,
            "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url,
            "DRILLBOT_DB": db,
        }
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.ops.cli", "run", "--message-content", "require",
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == Exit.INTENTS, err.decode()
    assert (
        err.decode()
        .strip()
        .endswith("enable the Message Content intent for the bot in the developer portal")
    )
    bot = BotProcess(emu, db, env={"DRILLBOT_MESSAGE_CONTENT": "off"})
    try:
        await bot.start()
        assert not int(emu.gateway.identifies[-1]["intents"]) & MESSAGE_CONTENT
        bot.send(signal.SIGTERM)
        assert await bot.wait(timeout=15) == 0
    finally:
        output = await bot.close()
    assert len(emu.gateway.refused_intents) == 1  # require's; off was never refused
    assert INTENT_REFUSED not in output
