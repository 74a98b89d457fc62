"""The documentation's examples must stay true."""

from __future__ import annotations

import re
from pathlib import Path

from discord import app_commands

from bot.app import build_app
from bot.bank import Bank, default_content_dir, load_bank, parse_pack
from bot.client import EXTENSIONS, DrillBot
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.sandbox.emulator import Emulator
from bot.storage import Store
from tests.support.backends import db_settings

ROOT = Path(__file__).resolve().parents[1]


def test_pack_example_in_content_readme_is_valid() -> None:
    text = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert example is not None
    pack, issues = parse_pack(example.group(1), "content/README.md")
    assert issues == []
    assert pack is not None and [q.id for q in pack.questions] == ["our-rag-001"]
    # It must also merge with the shipped bank (no clashing ids or aliases).
    bank = Bank.from_packs([(pack, example.group(1))], load_bank([default_content_dir()]))
    assert bank.resolve_topic("team-rag").slug == "our-rag"


def test_readme_gives_the_ci_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = ".venv/bin/python -m pytest -q -p no:cacheprovider"
    assert command in readme and command in ci


async def test_every_registered_command_is_documented_in_docs_commands(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank
) -> None:
    """docs/commands.md says it has every command: each one the extensions register has a
    heading there that starts with its full name."""
    settings = Settings(
        token=Secret(emulator.token),
        **db_settings(store),
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
    )
    app = await build_app(settings, clock, bank=bank, store=store)
    bot = DrillBot(app=app, sync_commands=False)
    try:
        for name in EXTENSIONS:
            await bot.load_extension(name)
        names = {
            c.qualified_name
            for c in bot.tree.walk_commands()
            if isinstance(c, app_commands.Command)
        }
    finally:
        await bot.close()
    headings = [
        line
        for line in (ROOT / "docs" / "commands.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    missing = sorted(n for n in names if not any(f"`/{n}" in h for h in headings))
    assert {"quiz", "review"} <= names
    assert missing == [], missing
