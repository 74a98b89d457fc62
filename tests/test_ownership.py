"""Crafted custom ids: every button and modal of the bot is a kind in bot/ownership.py, whose
check refuses a press naming another guild's or another member's things (issue 23, item 9)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from discord import ui

import cogs
from bot.clock import FakeClock
from bot.ownership import KINDS, NotYours, kind_of, verify
from bot.storage import Store
from cogs.buttons import Press
from tests.conftest import BotFactory, World
from tests.daily.helpers import configure_world, stored
from tests.quiz.helpers import refusal
from tests.support.sql import sql

A, B = 100, 200  # two guilds
ME, PARTNER, STRANGER = 1, 2, 3


def _glue() -> tuple[list[type], list[re.Pattern[str]]]:
    """Every DynamicItem class and every modal pattern the cogs define."""
    patterns: list[re.Pattern[str]] = []
    for info in pkgutil.iter_modules(cogs.__path__):
        module = importlib.import_module(f"cogs.{info.name}")
        patterns += [
            v
            for v in vars(module).values()
            if isinstance(v, re.Pattern) and v.pattern.startswith("drill:")
        ]

    def below(cls: type) -> list[type]:
        return [s for c in cls.__subclasses__() for s in (c, *below(c))]

    items = [
        c
        for c in below(ui.DynamicItem)
        if c.__module__.startswith("cogs.") and "kind" in vars(c)  # not a family base
    ]
    return sorted(set(items), key=str), sorted(set(patterns), key=str)


def test_every_button_and_modal_of_the_glue_is_a_checked_kind() -> None:
    items, modals = _glue()
    assert len(items) >= 15 and len(modals) >= 7
    buttons = [k for k in KINDS if not k.modal]
    for item in items:
        assert issubclass(item, Press), f"{item.__name__} must be a cogs.buttons.Press"
        template = item.__discord_ui_compiled_template__  # type: ignore[attr-defined]
        assert [k for k in buttons if template.fullmatch(k.sample)], f"{item.__name__}: no kind"
        assert template.fullmatch(item.kind.sample), f"{item.__name__}: not its declared kind"
    for pattern in modals:
        assert [k for k in KINDS if k.modal and pattern.fullmatch(k.sample)], pattern.pattern
    # ... and no kind is left over, each sample is its own kind's only.
    templates = [i.__discord_ui_compiled_template__ for i in items]  # type: ignore[attr-defined]
    for kind in KINDS:
        glue = modals if kind.modal else templates
        assert [p for p in glue if p.fullmatch(kind.sample)], f"{kind.name}: no glue uses it"
        assert kind_of(kind.sample) is kind


async def _things(store: Store, clock: FakeClock) -> dict[str, int]:
    """In guild A: my quiz session, a daily post, my forget request, my mock round, and a pair
    of me and PARTNER whose current round is PARTNER's (I interview)."""
    now = clock.now()
    quiz = await store.practice.open_session(
        guild_id=A, user_id=ME, question_id="q", question_version="1", mode="quiz", now=now
    )
    post, _ = await store.daily.claim(
        guild_id=A, local_date="2026-03-02", question_id="q", topic="cicd", channel_id=5,
        nonce="n", scheduled_for=now, reveal_at=None, now=now,
    )  # fmt: skip
    forget = await store.boards.request_forget(A, ME, now)
    mine = await store.mock.create(
        guild_id=A, user_id=ME, round_="coding", items=[], now=now,
        expires_at=now + timedelta(days=1),
    )  # fmt: skip
    pair = await store.mock_pairs.invite(
        guild_id=A, channel_id=5, inviter_id=ME, partner_id=PARTNER, round_="coding", now=now,
        expires_at=now + timedelta(minutes=10),
    )  # fmt: skip
    theirs = await store.mock.create(
        guild_id=A, user_id=PARTNER, round_="coding", items=[], now=now,
        expires_at=now + timedelta(days=1),
    )  # fmt: skip
    await store.mock_pairs.settle(pair.id, PARTNER, "accepted", now)
    await store.mock_pairs.set_round(
        pair.id, old_session=None, candidate_id=PARTNER, session_id=theirs.id, thread_id=9
    )
    return {
        "sid": quiz.id, "post": post.id, "rid": forget, "mock": mine.id, "pid": pair.id,
        "round": theirs.id,
    }  # fmt: skip


IDS: dict[str, Callable[[dict[str, int]], str]] = {
    "quiz.answer": lambda t: f"drill:quiz:answer:{t['sid']}",
    "quiz.notes": lambda t: f"drill:quiz:notes:{t['sid']}",
    "quiz.skip": lambda t: f"drill:quiz:skip:{t['sid']}",
    "quiz.levels": lambda t: f"drill:quiz:levels:{t['sid']}",
    "quiz.grade": lambda t: f"drill:grade:{t['sid']}:3",
    "quiz.report": lambda t: f"drill:report:{t['sid']}",
    "quiz.answer-modal": lambda t: f"drill:quiz:modal:{t['sid']}",
    "quiz.report-modal": lambda t: f"drill:report:modal:{t['sid']}",
    "quiz.check": lambda t: f"drill:check:quiz:{t['sid']}",
    "quiz.check-modal": lambda t: f"drill:check:modal:quiz:{t['sid']}",
    "daily.grade": lambda t: f"drill:daily:grade:{t['post']}:3",
    "daily.check": lambda t: f"drill:check:daily:{t['post']}",
    "daily.check-modal": lambda t: f"drill:check:modal:daily:{t['post']}",
    "daily.report": lambda t: f"drill:daily:report:{t['post']}",
    "daily.model": lambda t: f"drill:daily:model:{t['post']}",
    "daily.report-modal": lambda t: f"drill:daily:report:modal:{t['post']}",
    "blind.answer": lambda t: f"drill:blind:answer:{t['post']}",
    "blind.modal": lambda t: f"drill:blind:modal:{t['post']}",
    "board.page": lambda t: "drill:board:2:w",
    "forget": lambda t: f"drill:forget:yes:{t['rid']}",
    "mock.answer": lambda t: f"drill:mock:answer:{t['mock']}:0:0",
    "mock.rate": lambda t: f"drill:mock:rate:{t['mock']}",
    "mock.abandon": lambda t: f"drill:mock:abandon:{t['mock']}",
    "mock.answer-modal": lambda t: f"drill:mock:modal:{t['mock']}:0:0",
    "mock.ratings-modal": lambda t: f"drill:mock:ratings:{t['mock']}",
    "pair.press": lambda t: f"drill:mock:pair:notes:{t['pid']}",
    "pair.rate": lambda t: f"drill:mock:pair:rate:{t['pid']}:{t['round']}",
    "pair.rate-modal": lambda t: f"drill:mock:pair:ratings:{t['pid']}:{t['round']}",
    "pair.feedback-modal": lambda t: f"drill:mock:pair:feedback:{t['pid']}:{t['round']}",
}
ANYONE_IN_THE_GUILD = {"daily.grade", "daily.report", "daily.report-modal", "daily.model",
                       "daily.check", "daily.check-modal",
                       "blind.answer",
                       "blind.modal", "board.page"}  # fmt: skip


def test_the_crafted_cases_cover_every_kind() -> None:
    assert set(IDS) == {k.name for k in KINDS}


@pytest.mark.parametrize("name", sorted(IDS))
async def test_a_crafted_id_is_refused_in_another_guild_and_to_a_stranger(
    name: str, store: Store, clock: FakeClock
) -> None:
    things = await _things(store, clock)
    custom_id = IDS[name](things)
    assert kind_of(custom_id) is not None and kind_of(custom_id).name == name  # type: ignore[union-attr]
    await verify(store, custom_id, A, ME)  # mine, here: allowed
    if name == "board.page":
        return  # it names nothing stored: the board is the pressing guild's own
    with pytest.raises(NotYours):
        await verify(store, custom_id, B, ME)  # the same ids pressed from another server
    if name not in ANYONE_IN_THE_GUILD:
        with pytest.raises(NotYours):
            await verify(store, custom_id, A, STRANGER)


async def test_a_pair_rating_id_cannot_name_a_solo_round(store: Store, clock: FakeClock) -> None:
    things = await _things(store, clock)
    now = clock.now()
    await store.mock.abandon(things["round"], PARTNER, now)
    solo = await store.mock.create(
        guild_id=A, user_id=PARTNER, round_="coding", items=[], now=now,
        expires_at=now + timedelta(days=1),
    )  # fmt: skip
    for custom_id in (
        f"drill:mock:pair:rate:{things['pid']}:{solo.id}",
        f"drill:mock:pair:ratings:{things['pid']}:{solo.id}",
        f"drill:mock:pair:feedback:{things['pid']}:{solo.id}",
    ):
        with pytest.raises(NotYours):
            await verify(store, custom_id, A, ME)


async def test_unknown_ids_of_ours_are_refused_and_others_left_alone(store: Store) -> None:
    with pytest.raises(NotYours):
        await verify(store, "drill:quiz:answer:1:extra", A, ME)
    await verify(store, "someone-elses:button", A, ME)


async def test_another_servers_daily_question_cannot_be_graded_or_reported_by_crafted_ids(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    async with start_bot() as bot:
        await bot.daily.post_now(world.guild.id)
        post = await stored(store, world.guild.id, clock.now().date().isoformat())
        other = world.emu.create_guild("Another study group")
        chan = other.create_text_channel("questions")
        oscar = other.add_member("oscar")
        await world.emu.wait_until(lambda: bot.get_guild(other.id) is not None, timeout=5)
        message = await oscar.send(chan.id, "a message to hang crafted buttons on")
        crafted = [f"drill:daily:grade:{post.id}:4", f"drill:daily:report:{post.id}"]
        message.components = [
            {"type": 1, "components": [
                {"type": 2, "style": 1, "label": "x", "custom_id": cid} for cid in crafted
            ]}
        ]  # fmt: skip
        for cid in crafted:
            inter = await oscar.click(chan.id, message.id, cid)
            assert "another server" in await refusal(inter)
    assert await store.practice.card(oscar.id, post.question_id) is None
    assert await store.db.fetchall(*sql("SELECT id FROM reports", ())) == []
    assert await store.db.fetchall(*sql("SELECT id FROM quiz_sessions", ())) == []
