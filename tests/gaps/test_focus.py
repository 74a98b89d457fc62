"""focus:auto: the daily rotation favours the weakest topics, never the same topic two days
running and never a repeated question while the enabled bank has unused ones."""

from __future__ import annotations

import asyncio

from bot.bank import Bank
from bot.bank.models import Question
from bot.bank.selection import choose_daily
from bot.clock import FakeClock
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import configure_world
from tests.gaps.history import four_weeks
from tests.leaderboard.helpers import reply_to
from tests.support.sql import sql


def q(qid: str, topic: str) -> Question:
    return Question(qid, topic, "medium", "concept", "prompt?", "testing", ("point",))


def test_the_weakest_topic_wins_but_never_two_days_running() -> None:
    bank = [q(f"{t}-{n}", t) for t in ("a", "b", "c") for n in range(3)]
    weakness = {"a": 0.9, "b": 0.6, "c": 0.1}
    counts: dict[str, int] = {}
    recent: list[str] = []
    picked = []
    for day in range(9):
        choice = choose_daily(bank, counts, recent, f"g:{day}", weakness)
        picked.append(choice)
        counts[choice.id] = counts.get(choice.id, 0) + 1
        recent.insert(0, choice.topic)
    topics = [p.topic for p in picked]
    # The two weak topics share the days until their questions are used up; then only c has
    # unused questions, and not repeating a question beats not repeating a topic.
    assert topics == ["a", "b", "a", "b", "a", "b", "c", "c", "c"]
    assert len({p.id for p in picked}) == 9  # the whole bank before any repeat


def test_unknown_topics_sit_mid_table_and_off_keeps_the_old_rotation() -> None:
    bank = [q("a-1", "a"), q("b-1", "b"), q("c-1", "c")]
    assert choose_daily(bank, {}, ["c"], "s", {"a": 0.4, "c": 0.9}).topic == "b"
    assert choose_daily(bank, {}, ["c"], "s", {"a": 0.6, "c": 0.9}).topic == "a"
    assert choose_daily(bank, {}, ["a", "b"], "s", None).topic == "c"


async def run_week(
    world: World, store: Store, bank: Bank, start_bot: BotFactory, clock: FakeClock, focus: str
) -> list[str]:
    await configure_world(store, world, focus=focus)
    members = [world[n].id for n in ("ana", "ben", "cy", "dee")]
    await four_weeks(store, bank, world.guild.id, members)
    topics = []
    async with start_bot() as bot:
        clock.advance(hours=2)  # 09:00 in Berlin on Monday 2026-03-02
        for day in range(2, 9):
            await bot.jobs.idle()
            local = f"2026-03-0{day}"

            async def posted(local: str = local) -> object:
                found = await store.daily.get(world.guild.id, local)
                return found if found and found.state != "pending" else None

            topics.append((await eventually(posted)).topic)
            clock.advance(hours=24)
    return topics


async def test_focus_auto_chooses_the_weakest_topic_across_a_week(
    world: World, store: Store, bank: Bank, start_bot: BotFactory, clock: FakeClock
) -> None:
    topics = await run_week(world, store, bank, start_bot, clock, "auto")
    # Serving is weakest (25% answered, graded 2.0), monitoring next (50%, 2.0); nobody answers
    # this week, so both only get weaker and share the week, never two days running.
    assert topics == ["serving", "monitoring"] * 3 + ["serving"]
    posts = await store.daily.question_use_counts(world.guild.id)
    assert max(posts.values()) == 1  # no question asked twice


async def test_focus_off_keeps_the_longest_ago_rotation(
    world: World, store: Store, bank: Bank, start_bot: BotFactory, clock: FakeClock
) -> None:
    topics = await run_week(world, store, bank, start_bot, clock, "off")
    assert not {"serving", "monitoring", "cicd"} & set(topics)  # never-asked topics first
    assert len(set(topics)) == 7


async def test_setup_focus_alone_switches_it_once_when_two_organisers_press(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan = world.channel.id
    async with start_bot():
        early = await reply_to(
            await world.owner.slash("drill setup", {"focus": "auto"}, channel_id=chan)
        )
        assert "first /drill setup needs a channel" in early.content
        assert (await store.guilds.get_or_default(world.guild.id)).focus == "off"
        await configure_world(store, world)
        replies = await asyncio.gather(
            *[
                reply_to(await world.owner.slash("drill setup", {"focus": "auto"}, channel_id=chan))
                for _ in range(2)
            ]
        )
        assert all("Focus **auto**" in r.content for r in replies)
        settings = await store.guilds.get_or_default(world.guild.id)
        assert settings.focus == "auto" and settings.channel_id == chan
        off = await reply_to(
            await world.owner.slash("drill setup", {"focus": "off"}, channel_id=chan)
        )
        assert "Focus" not in off.content
    audit = await store.db.fetchall(
        *sql("SELECT old_value, new_value FROM audit_log WHERE action = 'set focus' ORDER BY id")
    )
    assert [tuple(r) for r in audit] == [("off", "auto"), ("auto", "off")]
