"""/drill setup, status, pause, resume, post-now and reveal-now through the real client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.bank import default_content_dir, load_bank
from bot.storage import Store
from tests.conftest import BotFactory, World
from tests.drill.conftest import run, text_of


def stamp(when: datetime) -> str:
    return f"<t:{int(when.timestamp())}:F>"


async def test_setup_saves_reschedules_and_gives_the_next_post(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    async with start_bot() as bot:
        reply = await run(
            world.owner,
            "drill setup",
            {"channel": chan, "time": "9:15", "timezone": "europe/berlin", "weekdays": "mon-fri"},
            channel_id=chan,
        )
        # Monday 06:00 UTC = 07:00 Berlin: the first post is today at 09:15 Berlin.
        assert stamp(datetime(2026, 3, 2, 8, 15, tzinfo=UTC)) in reply.content
        assert "09:15 Europe/Berlin" in reply.content and "Mon-Fri" in reply.content
        assert "missing" not in reply.content
        assert bot.app.daily_job.next_run(world.guild.id) is not None  # bot.reschedule ran
    saved = await store.guilds.get(world.guild.id)
    assert saved is not None and saved.channel_id == chan and saved.timezone == "Europe/Berlin"
    assert saved.weekdays == frozenset(range(5)) and saved.configured_by == world.owner.id
    audit = {e.action: e.new_value for e in await store.guilds.recent_audit(world.guild.id)}
    assert audit["set post_time"] == "09:15" and audit["set weekdays"] == "Mon,Tue,Wed,Thu,Fri"


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("time", "25:61", "'25:61' is not a time"),
        ("time", "9am", "use 24-hour HH:MM"),
        ("timezone", "Europe/Berln", "Did you mean Europe/Berlin"),
        ("timezone", "Berlin", "Europe/Berlin"),
        ("weekdays", "mon,fryday", "'fryday' is not a weekday"),
        ("weekdays", "mon;;blursday", "not a weekday"),
    ],
)
async def test_bad_setup_input_is_explained_and_nothing_is_saved(
    world: World, store: Store, start_bot: BotFactory, option: str, value: str, says: str
) -> None:
    chan = world.channel.id
    options = {"channel": chan, "time": "09:00", "timezone": "UTC", option: value}
    async with start_bot() as bot:
        reply = await run(world.owner, "drill setup", options, channel_id=chan)
        assert says in reply.content
        assert bot.app.daily_job.next_run(world.guild.id) is None
    assert await store.guilds.get(world.guild.id) is None
    assert await store.guilds.recent_audit(world.guild.id) == []


async def test_timezone_autocompletes(world: World, start_bot: BotFactory) -> None:
    async with start_bot():
        choices = await world.owner.autocomplete(
            "drill setup", {"timezone": "berl"}, focused="timezone", channel_id=world.channel.id
        )
    assert "Europe/Berlin" in [c["value"] for c in choices]


async def test_setup_lists_the_permissions_the_bot_lacks_but_saves(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    world.guild.deny_bot(chan, "EMBED_LINKS", "MANAGE_THREADS", "CREATE_PUBLIC_THREADS")
    async with start_bot():
        reply = await run(
            world.owner,
            "drill setup",
            {"channel": chan, "time": "09:00", "timezone": "UTC"},
            channel_id=world.guild.system_channel_id,
        )
        assert "Embed Links, Create Public Threads, Manage Threads" in reply.content
        assert "Send Messages" not in reply.content
        status = text_of(await run(world.owner, "drill status", channel_id=chan))
        assert "Missing: **Embed Links, Create Public Threads, Manage Threads**" in status
    assert (await store.guilds.get_or_default(world.guild.id)).channel_id == chan


async def test_status_shows_five_posts_reveal_today_and_coverage(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    async with start_bot():
        await run(
            world.owner,
            "drill setup",
            {
                "channel": chan,
                "time": "18:30",
                "timezone": "America/New_York",
                "weekdays": "tue,thu",
                "reveal": "next",
            },
            channel_id=chan,
        )
        status = text_of(await run(world.owner, "drill status", channel_id=chan))
    # 18:30 New York is 23:30 UTC until 8 March, then 22:30 UTC (daylight saving time).
    expected = [
        datetime(2026, 3, 3, 23, 30, tzinfo=UTC),
        datetime(2026, 3, 5, 23, 30, tzinfo=UTC),
        datetime(2026, 3, 10, 22, 30, tzinfo=UTC),
        datetime(2026, 3, 12, 22, 30, tzinfo=UTC),
        datetime(2026, 3, 17, 22, 30, tzinfo=UTC),
    ]
    positions = [status.index(stamp(when)) for when in expected]
    assert positions == sorted(positions)
    # Reveal "at the next post": the post after the first one.
    assert f"Next reveal\n{stamp(expected[1])}" in status
    assert "Today (2026-03-02)\nNo post today (not a posting day)." in status
    n_cicd = len(load_bank([default_content_dir()]).by_topic("cicd"))
    assert f"`cicd` 0 used · {n_cicd} left" in status and "All present." in status


async def test_pause_and_resume_stop_and_restart_the_schedule(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    async with start_bot() as bot:
        await run(
            world.owner,
            "drill setup",
            {"channel": chan, "time": "09:00", "timezone": "UTC"},
            channel_id=chan,
        )
        paused = await run(world.owner, "drill pause", channel_id=chan)
        assert "Paused" in paused.content and bot.app.daily_job.next_run(world.guild.id) is None
        assert "Already paused" in (await run(world.owner, "drill pause", channel_id=chan)).content
        assert "**Paused**" in text_of(await run(world.owner, "drill status", channel_id=chan))
        resumed = await run(world.owner, "drill resume", channel_id=chan)
        assert (
            "Resumed" in resumed.content and bot.app.daily_job.next_run(world.guild.id) is not None
        )
    paused_rows = [
        (e.old_value, e.new_value)
        for e in await store.guilds.recent_audit(world.guild.id)
        if e.action == "set paused"
    ]
    assert paused_rows == [("True", "False"), ("False", "True")]


async def test_post_now_posts_once_and_reveal_now_closes_it(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    emu, chan = world.emu, world.channel.id
    async with start_bot():
        before_setup = await run(world.owner, "drill post-now", channel_id=chan)
        assert "not set up yet" in before_setup.content
        await run(
            world.owner,
            "drill setup",
            {"channel": chan, "time": "21:00", "timezone": "UTC"},
            channel_id=chan,
        )
        posted = await run(world.owner, "drill post-now", channel_id=chan)
        assert "Posted today's question" in posted.content
        again = await run(world.owner, "drill post-now", channel_id=chan)
        assert "already posted" in again.content
        questions = [m for m in emu.messages(chan) if m.flags & (1 << 15) and not m.ephemeral]
        assert len(questions) == 1  # the exactly-once rule holds for organisers too
        post = await store.daily.get(world.guild.id, "2026-03-02")
        assert post is not None and post.state == "posted" and post.thread_id is not None
        await world["ana"].send(post.thread_id, "Canary first, then a gradual rollout.")
        await emu.wait_until(lambda: len(emu.messages(post.thread_id)) >= 1, timeout=5)
        status = text_of(await run(world.owner, "drill status", channel_id=chan))
        assert f"Posted `{post.question_id}`; answers are open." in status

        revealed = await run(world.owner, "drill reveal-now", channel_id=chan)
        assert "Revealed the notes for 2026-03-02" in revealed.content
        await emu.wait_until(
            lambda: any("What they're testing" in m.text for m in emu.messages(post.thread_id)),
            timeout=5,
        )
        nothing = await run(world.owner, "drill reveal-now", channel_id=chan)
        assert "no open daily question" in nothing.content
    stored = await store.daily.get(world.guild.id, "2026-03-02")
    assert stored is not None and stored.state == "revealed"
    actions = [e.action for e in await store.guilds.recent_audit(world.guild.id)]
    assert actions[:2] == ["reveal-now", "post-now"]
