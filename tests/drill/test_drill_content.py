"""/drill topics, pack, reports, question and audit through the real client."""

from __future__ import annotations

from datetime import timedelta

from bot.bank import MAX_PACK_BYTES, default_content_dir, load_bank
from bot.storage import Store
from tests.conftest import START, BotFactory, World
from tests.drill.conftest import run, text_of
from tests.drill.packs import BAD_PACK, GOOD_PACK, SYNTAX_PACK


def shipped(topic: str) -> int:
    """Questions the shipped bank has in a topic (the bank grows; the tests should not care)."""
    return len(load_bank([default_content_dir()]).by_topic(topic))


async def test_topics_enable_disable_by_alias_and_list_counts(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    async with start_bot():
        choices = await world.owner.autocomplete(
            "drill topics disable", {"topic": "k8s"}, focused="topic", channel_id=chan
        )
        assert choices[0]["value"] == "containers"
        off = await run(world.owner, "drill topics disable", {"topic": "k8s"}, channel_id=chan)
        assert "**Docker and Kubernetes** (`containers`) is disabled." in off.content
        again = await run(
            world.owner, "drill topics disable", {"topic": "containers"}, channel_id=chan
        )
        assert "(it already was)" in again.content
        unknown = await run(
            world.owner, "drill topics disable", {"topic": "zzzz drift"}, channel_id=chan
        )
        assert "Did you mean `monitoring`" in unknown.content
        listed = text_of(await run(world.owner, "drill topics list", channel_id=chan))
        n_containers, n_cicd = shipped("containers"), shipped("cicd")
        assert f"⛔ **Docker and Kubernetes** (`containers`): 0 used, {n_containers} left" in listed
        assert f"✅ **CI/CD for ML** (`cicd`): 0 used, {n_cicd} left" in listed
        await run(world.owner, "drill topics enable", {"topic": "docker"}, channel_id=chan)
    assert await store.guilds.disabled_topics(world.guild.id) == frozenset()
    actions = [(e.action, e.new_value) for e in await store.guilds.recent_audit(world.guild.id)]
    assert actions == [("topic containers", "enabled"), ("topic containers", "disabled")]


async def test_pack_import_is_validated_stored_and_invisible_to_another_guild(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    async with start_bot() as bot:
        other = world.emu.create_guild("Another study group")
        other_chan = other.create_text_channel("questions")
        oscar = other.add_member("oscar", permissions=["MANAGE_GUILD"])
        await world.emu.wait_until(lambda: bot.get_guild(other.id) is not None, timeout=5)

        imported = await run(
            world.owner,
            "drill pack import",
            {"file": ("team.yaml", GOOD_PACK.encode())},
            channel_id=chan,
        )
        assert "Imported pack **team-extra** v1: 2 question(s)" in imported.content
        assert "`onboarding`" in imported.content
        mine = text_of(await run(world.owner, "drill topics list", channel_id=chan))
        n_cicd = shipped("cicd")
        assert "(`onboarding`): 0 used, 1 left" in mine
        assert f"(`cicd`): 0 used, {n_cicd + 1} left" in mine
        packs = text_of(await run(world.owner, "drill pack list", channel_id=chan))
        assert f"**team-extra** v1 · 2 question(s) · by <@{world.owner.id}>" in packs

        theirs = text_of(await run(oscar, "drill topics list", channel_id=other_chan.id))
        assert "onboarding" not in theirs and f"(`cicd`): 0 used, {n_cicd} left" in theirs
        their_packs = text_of(await run(oscar, "drill pack list", channel_id=other_chan.id))
        assert "No packs imported yet." in their_packs
        suggested = await oscar.autocomplete(
            "drill topics enable", {"topic": "onboard"}, focused="topic", channel_id=other_chan.id
        )
        assert "onboarding" not in [c["value"] for c in suggested]
        refused = await run(
            oscar, "drill pack remove", {"name": "team-extra"}, channel_id=other_chan.id
        )
        assert "no pack named 'team-extra'" in refused.content

        removed = await run(
            world.owner, "drill pack remove", {"name": "team-extra"}, channel_id=chan
        )
        assert "Removed pack **team-extra** (2 question(s))" in removed.content
        assert "onboarding-001" not in (await bot.catalog.for_guild(world.guild.id)).questions
    assert await store.guilds.packs() == []
    actions = [(e.action, e.new_value) for e in await store.guilds.recent_audit(world.guild.id)]
    assert actions == [("pack team-extra", "removed"), ("pack team-extra", "v1 (2 questions)")]


async def test_malformed_pack_shows_line_numbers_and_stores_nothing(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    async with start_bot():
        bad = await run(
            world.owner,
            "drill pack import",
            {"file": ("team.yaml", BAD_PACK.encode())},
            channel_id=chan,
        )
        assert "Pack not imported: 1 problem (nothing was stored)." in bad.content
        assert "team.yaml:7:5: question 'broken-001': missing field 'testing'" in bad.content
        syntax = await run(
            world.owner,
            "drill pack import",
            {"file": ("syntax.yaml", SYNTAX_PACK.encode())},
            channel_id=chan,
        )
        assert "syntax.yaml:6:1: YAML syntax error" in syntax.content
    assert await store.guilds.packs(world.guild.id) == []
    assert await store.guilds.recent_audit(world.guild.id) == []


async def test_oversized_pack_is_refused_before_download(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    big = GOOD_PACK.encode() + b"#" * MAX_PACK_BYTES
    async with start_bot():
        inter = await world.owner.slash(
            "drill pack import", {"file": ("big.yaml", big)}, channel_id=chan
        )
        # Answered at once (type 4), not deferred: the cog downloads only after deferring.
        assert (await inter.wait_response())["type"] == 4
        assert inter.message is not None and inter.message.ephemeral
        assert "a pack may be at most 256 KiB" in inter.message.content
    assert await store.guilds.packs(world.guild.id) == []


async def test_reports_list_newest_first_and_a_question_can_be_disabled(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan, gid = world.channel.id, world.guild.id
    for n, (qid, who) in enumerate([("cicd-001", "ana"), ("ml-002", "ben"), ("cicd-001", "cy")]):
        await store.practice.report(
            guild_id=gid,
            user_id=world[who].id,
            question_id=qid,
            question_version="1",
            reason="unclear",
            detail=f"report {n}",
            now=START + timedelta(minutes=n),
        )
    async with start_bot():
        reports = text_of(await run(world.owner, "drill reports", channel_id=chan))
        assert reports.index("cicd-001 · 2 report(s)") < reports.index("ml-002 · 1 report(s)")
        assert "> report 2" in reports
        choices = await world.owner.autocomplete(
            "drill question disable", {"id": "cicd-00"}, focused="id", channel_id=chan
        )
        assert "cicd-001" in [c["value"] for c in choices]
        off = await run(world.owner, "drill question disable", {"id": "cicd-001"}, channel_id=chan)
        assert "Question `cicd-001` is disabled." in off.content
        assert "cicd-001 · 2 report(s) · disabled" in text_of(
            await run(world.owner, "drill reports", channel_id=chan)
        )
        unknown = await run(
            world.owner, "drill question disable", {"id": "cicd-999x"}, channel_id=chan
        )
        assert "No question has the id 'cicd-999x'" in unknown.content
        assert await store.guilds.disabled_questions(gid) == frozenset({"cicd-001"})
        await run(world.owner, "drill question enable", {"id": "cicd-001"}, channel_id=chan)
    assert await store.guilds.disabled_questions(gid) == frozenset()


async def test_audit_shows_the_last_twenty_changes_newest_first(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    async with start_bot():
        await run(
            world.owner,
            "drill setup",
            {"channel": chan, "time": "08:00", "timezone": "UTC"},
            channel_id=chan,
        )
        for n in range(18):
            state = "disable" if n % 2 == 0 else "enable"
            await run(world.owner, f"drill topics {state}", {"topic": "cicd"}, channel_id=chan)
        await run(
            world.owner,
            "drill setup",
            {"channel": chan, "time": "08:30", "timezone": "UTC"},
            channel_id=chan,
        )
        audit = await run(world.owner, "drill audit", channel_id=chan)
    lines = audit.embeds[0]["description"].splitlines()
    assert len(lines) == 20
    assert lines[0].endswith(f"<@{world.owner.id}> set post_time: 08:00 → 08:30")
    assert "topic cicd: disabled → enabled" in lines[1]
    assert len(await store.guilds.recent_audit(world.guild.id, 100)) == 22
