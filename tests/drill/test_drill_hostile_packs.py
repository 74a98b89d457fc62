"""Hostile packs through /drill pack import: refused with a position, nothing stored, and the
bot keeps answering other guilds while a pack is being checked."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

import bot.bank.catalog
from bot.bank import MAX_PACK_BYTES
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.drill.conftest import run
from tests.drill.packs import GOOD_PACK
from tests.support.hostile_packs import alias_bomb, aliased_copies, big_pack, huge_pack

ANCHORS_REFUSED = "anchors and aliases are not allowed in packs"


@pytest.mark.parametrize(
    ("maker", "expected"),
    [
        (alias_bomb, f"bomb.yaml:3:5: YAML anchor '&a0': {ANCHORS_REFUSED}"),
        (aliased_copies, f"bomb.yaml:7:5: YAML anchor '&q': {ANCHORS_REFUSED}"),
        (huge_pack, "a pack may be at most 256 KiB"),
    ],
    ids=["alias-bomb", "aliased-copies", "huge"],
)
async def test_hostile_pack_import_is_refused_clearly_and_nothing_is_stored(
    world: World,
    store: Store,
    start_bot: BotFactory,
    maker: Callable[[], str],
    expected: str,
) -> None:
    async with start_bot():
        refused = await run(
            world.owner,
            "drill pack import",
            {"file": ("bomb.yaml", maker().encode())},
            channel_id=world.channel.id,
        )
        assert expected in refused.content
        assert len(refused.content) <= 2000
        again = await run(world.owner, "drill pack list", channel_id=world.channel.id)
        assert "No packs imported yet." in again.embeds[0]["description"]
    assert await store.guilds.packs(world.guild.id) == []
    assert world.emu.errors == []


async def test_quiz_in_another_guild_is_answered_while_a_pack_is_checked(
    world: World, store: Store, start_bot: BotFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hold the pack check in its worker until the other guild's /quiz has been answered: if
    # the check ran on the event loop, the loop would be stuck here and /quiz would time out.
    entered, release = threading.Event(), threading.Event()
    real_parse = bot.bank.catalog.parse_pack

    def held_parse(text: str, source: str, **kwargs: float | None) -> object:
        if source == "team.yaml":
            entered.set()
            assert release.wait(10), "the test never released the pack check"
        return real_parse(text, source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.bank.catalog, "parse_pack", held_parse)
    async with start_bot() as drill:
        other = world.emu.create_guild("Another study group")
        other_chan = other.create_text_channel("practice")
        oscar = other.add_member("oscar")
        await world.emu.wait_until(lambda: drill.get_guild(other.id) is not None, timeout=5)

        importing = await world.owner.slash(
            "drill pack import",
            {"file": ("team.yaml", GOOD_PACK.encode())},
            channel_id=world.channel.id,
        )
        await eventually(entered.is_set)
        try:
            quiz = await oscar.slash("quiz", {"topic": "cicd"}, channel_id=other_chan.id)
            assert (await quiz.wait_response(timeout=3))["type"] == 5
            practice = await quiz.wait_followup(timeout=3)
            assert practice.text.startswith("## Practice question")
        finally:
            release.set()
        await importing.wait_response()
        imported = await importing.wait_followup()
        assert "Imported pack **team-extra** v1: 2 question(s)" in imported.content
    assert [p.name for p in await store.guilds.packs(world.guild.id)] == ["team-extra"]


async def test_quiz_is_answered_within_three_seconds_while_a_full_size_pack_imports(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    text = big_pack()
    assert MAX_PACK_BYTES - 10_000 < len(text.encode()) <= MAX_PACK_BYTES
    async with start_bot() as drill:
        other = world.emu.create_guild("Another study group")
        other_chan = other.create_text_channel("practice")
        oscar = other.add_member("oscar")
        await world.emu.wait_until(lambda: drill.get_guild(other.id) is not None, timeout=5)
        importing = await world.owner.slash(
            "drill pack import", {"file": ("big.yaml", text.encode())}, channel_id=world.channel.id
        )
        quiz = await oscar.slash("quiz", {"topic": "cicd"}, channel_id=other_chan.id)
        assert (await quiz.wait_response(timeout=3))["type"] == 5
        assert (await quiz.wait_followup(timeout=3)).text.startswith("## Practice question")
        await importing.wait_response(timeout=10)
        imported = await importing.wait_followup(timeout=20)
    assert "Imported pack **bomb** v1: 1100 question(s)" in imported.content
    (stored,) = await store.guilds.packs(world.guild.id)
    assert stored.questions == 1100
