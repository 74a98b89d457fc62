"""The daily question end to end: the real client, the emulator, a clock we move."""

from __future__ import annotations

from bot.sandbox.emulator.layouts import IS_COMPONENTS_V2, texts
from bot.storage import Store
from tests.conftest import START, BotFactory, World, eventually


async def configure(
    store: Store, world: World, *, time: str = "09:00", tz: str = "Europe/Berlin", **extra: object
) -> None:
    await store.guilds.update(
        world.guild.id,
        world.owner.id,
        START,
        channel_id=world.channel.id,
        post_time=time,
        timezone=tz,
        **extra,
    )


async def test_posts_at_local_time_collects_answers_and_reveals(
    world: World, store: Store, start_bot: BotFactory, clock
) -> None:
    emu = world.emu
    await configure(store, world)
    async with start_bot() as bot:
        # 06:00 UTC is 07:00 in Berlin: nothing yet.
        await bot.jobs.idle()
        assert emu.messages(world.channel.id) == []
        clock.advance(hours=2)  # 09:00 Berlin
        await bot.jobs.idle()
        call = await emu.wait_for_call(
            lambda c: (
                c.method == "POST" and c.path.endswith(f"/channels/{world.channel.id}/messages")
            ),
            timeout=5,
        )
        assert call.json["flags"] & IS_COMPONENTS_V2 and "embeds" not in call.json
        assert "## Question of the day" in texts(call.json["components"])[0]
        post = await emu.wait_until(lambda: emu.messages(world.channel.id), timeout=5)
        thread = await emu.wait_until(lambda: emu.channel(post[0].id), timeout=5)
        await world["ana"].send(
            thread.id, "I would gate the release on offline metrics and a canary."
        )
        await world["ben"].send(
            thread.id, "Shadow traffic first, then a canary with auto rollback."
        )
        await emu.wait_until(lambda: len(emu.messages(thread.id)) >= 2, timeout=5)
        stored = await store.daily.get(world.guild.id, "2026-03-02")
        assert stored is not None and stored.state == "posted" and stored.thread_id == thread.id

        async def two_answers() -> bool:
            return len(await store.answers.for_post(stored.id)) == 2

        await eventually(two_answers)
        clock.advance(hours=23)
        await bot.jobs.idle()
        reveal = await emu.wait_until(
            lambda: [m for m in emu.messages(thread.id) if "What they're testing" in m.text],
            timeout=5,
        )
        assert reveal
        await emu.wait_until(lambda: emu.channel(thread.id).locked, timeout=5)
    assert emu.channel(thread.id).archived
    revealed = await store.daily.get(world.guild.id, "2026-03-02")
    assert revealed is not None and revealed.state == "revealed"
    top = await store.scores.top(world.guild.id)
    assert {s.user_id for s in top} == {world["ana"].id, world["ben"].id}
    assert top[0].user_id == world["ana"].id and top[0].points == 13
