"""/mock with a partner through the real client and the emulator: the invitation, Accept by the
partner only and once, the private thread, the interviewer's notes and ratings, Swap and End."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from bot.mock import ROUNDS_BY_SLUG
from bot.sandbox.emulator.state import PRIVATE_THREAD, Message
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.quiz.helpers import EPHEMERAL, button_ids, press, refusal
from tests.support.sql import sql

ROUND = ROUNDS_BY_SLUG["behavioural"]  # one question in the test bank, three signals


async def invite(world: World, inviter: Any, partner: Any) -> Any:
    world.guild.allow_bot(world.channel.id, "CREATE_PRIVATE_THREADS")
    inter = await inviter.slash(
        "mock start", {"round": "behavioural", "partner": partner}, channel_id=world.channel.id
    )
    await inter.wait_response()
    return inter


def pair_of(message: Message) -> int:
    accept = next(c for c in button_ids(message) if c.startswith("drill:mock:pair:accept:"))
    return int(accept.rsplit(":", 1)[1])


def threads(world: World) -> list[Any]:
    return [
        c for c in world.emu.world.channels.values()
        if c.type == PRIVATE_THREAD and c.parent_id == world.channel.id
    ]  # fmt: skip


async def test_a_pair_round_with_notes_ratings_feedback_a_swap_and_end(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    emu, ana, ben = world.emu, world["ana"], world["ben"]
    async with start_bot():
        inv = await invite(world, ana, ben)
        assert inv.response["type"] == 4
        assert inv.response["data"]["allowed_mentions"]["users"] == [ben.id]
        message = inv.message
        assert message is not None and message.content.startswith(f"<@{ben.id}>")
        pid = pair_of(message)
        assert button_ids(message) == [
            f"drill:mock:pair:accept:{pid}",
            f"drill:mock:pair:decline:{pid}",
        ]
        accept = await press(ben, message, f"drill:mock:pair:accept:{pid}")
        notes = await accept.wait_followup()  # the interviewer's notes, privately
        assert notes.flags & EPHEMERAL
        assert notes.embeds[0]["title"] == "Interviewer notes · question 1 of 1"
        fields = {f["name"]: f["value"] for f in notes.embeds[0]["fields"]}
        assert fields["What it tests"] == "Testing behavioural-1."
        assert "behavioural-1 flag one" in fields["Red flags"]
        (thread,) = threads(world)
        assert sorted(thread.member_ids) == sorted([ana.id, ben.id])
        await eventually(
            lambda: f"<#{thread.id}>" in emu.message(message.channel_id, message.id).content
        )
        assert emu.message(message.channel_id, message.id).components == []
        (first,) = emu.messages(thread.id)
        sid = (await store.mock_pairs.get(pid)).session_id  # type: ignore[union-attr]
        assert (await store.mock.session(sid)).user_id == ana.id  # type: ignore[union-attr]
        assert button_ids(first) == [
            f"drill:mock:answer:{sid}:0:0",
            f"drill:mock:pair:notes:{pid}",
            f"drill:mock:pair:end:{pid}",
        ]
        assert "Only the interviewer" in await refusal(
            await press(ana, first, f"drill:mock:pair:notes:{pid}")
        )
        again = await press(ben, first, f"drill:mock:pair:notes:{pid}")
        assert again.response["data"]["flags"] & EPHEMERAL
        assert "not yours" in await refusal(await press(ben, first, f"drill:mock:answer:{sid}:0:0"))
        opened = await press(ana, first, f"drill:mock:answer:{sid}:0:0")
        assert (await (await ana.submit_modal(opened, {"answer": "A story"})).wait_response())[
            "type"
        ] == 7
        rating = emu.message(thread.id, first.id)
        assert button_ids(rating) == [
            f"drill:mock:rate:{sid}",
            f"drill:mock:pair:rate:{pid}:{sid}",
            f"drill:mock:pair:end:{pid}",
        ]
        own = await press(ana, rating, f"drill:mock:pair:rate:{pid}:{sid}")
        assert "Only the interviewer" in await refusal(own)
        modal = await press(ben, rating, f"drill:mock:pair:rate:{pid}:{sid}")
        inputs = re.findall(r"'custom_id': '([a-z-]+)'", str(modal.modal["components"]))
        assert inputs == list(ROUND.signals)
        scores = dict(zip(ROUND.signals, ("3", "2", "4"), strict=True))
        rated = await ben.submit_modal(modal, scores)
        assert (await rated.wait_response())["type"] == 4
        verdict = rated.message
        assert (
            verdict is not None and verdict.channel_id == thread.id and "**2**/4" in verdict.content
        )
        twice = await press(ben, rating, f"drill:mock:pair:rate:{pid}:{sid}")
        assert "rated this round already" in await refusal(await ben.submit_modal(twice, scores))
        mine = await press(ana, rating, f"drill:mock:rate:{sid}")
        done = await ana.submit_modal(mine, dict.fromkeys(ROUND.signals, "3"))
        assert (await done.wait_response())["type"] == 7
        summary = emu.message(thread.id, first.id)
        assert button_ids(summary) == [
            f"drill:mock:pair:rate:{pid}:{sid}",
            f"drill:mock:pair:swap:{pid}",
            f"drill:mock:pair:end:{pid}",
        ]
        fb = await press(ben, verdict, f"drill:mock:pair:fb:{pid}:{sid}")
        sent = await ben.submit_modal(fb, {"feedback": "Name the\nimpact   first"})
        assert (await sent.wait_response())["type"] == 7
        assert emu.message(thread.id, verdict.id).content.endswith(
            "**Feedback:** Name the impact first"
        )
        assert await store.mock_pairs.feedback_of(sid) == (ben.id, "Name the impact first")
        ratings = (await store.mock.ratings([sid]))[sid]
        assert {s: ratings[("partner", s)] for s in ROUND.signals} == {
            s: int(v) for s, v in scores.items()
        }
        # Swap: the same round, ben answers now; a second press starts nothing more.
        swap = await press(ben, summary, f"drill:mock:pair:swap:{pid}")
        assert swap.response["type"] == 4
        pair = await store.mock_pairs.get(pid)
        assert pair is not None and pair.candidate_id == ben.id and pair.interviewer_id == ana.id
        assert "Finish this round first" in await refusal(
            await press(ana, summary, f"drill:mock:pair:swap:{pid}")
        )
        turn = swap.message
        assert turn is not None and turn.channel_id == thread.id
        assert button_ids(turn)[0] == f"drill:mock:answer:{pair.session_id}:0:0"
        ended = await press(ana, turn, f"drill:mock:pair:end:{pid}")
        assert ended.response["type"] == 7
        assert (await store.mock_pairs.get(pid)).state == "ended"  # type: ignore[union-attr]
        assert (await store.mock.session(pair.session_id)).state == "abandoned"  # type: ignore[arg-type, union-attr]
        assert "ended" in await refusal(await press(ben, summary, f"drill:mock:pair:end:{pid}"))
    profile = await store.mock.ratings([sid])
    assert profile[sid][("self", "ml-ops")] == 3


async def test_an_invitation_nobody_accepts_expires_and_the_inviter_may_ask_again(
    world: World, store: Store, start_bot: BotFactory, clock: Any
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        first = await invite(world, ana, ben)
        message = first.message
        pid = pair_of(message)
        second = await invite(world, ana, world["cy"])
        assert "waiting already" in await refusal(second)
        clock.advance(minutes=10, seconds=1)
        late = await press(ben, message, f"drill:mock:pair:accept:{pid}")
        assert "expired" in await refusal(late)
        assert (await store.mock_pairs.get(pid)).state == "expired"  # type: ignore[union-attr]
        assert threads(world) == [] and await store.mock.open_for(ana.id) is None
        fresh = await invite(world, ana, ben)
        assert fresh.response["type"] == 4 and pair_of(fresh.message) != pid


async def test_a_double_accept_opens_one_thread_and_one_round(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        message = (await invite(world, ana, ben)).message
        pid = pair_of(message)
        custom_id = f"drill:mock:pair:accept:{pid}"
        one, two = await asyncio.gather(
            ben.click(message.channel_id, message.id, custom_id),
            ben.click(message.channel_id, message.id, custom_id),
        )
        kinds = sorted([(await one.wait_response())["type"], (await two.wait_response())["type"]])
        assert kinds == [4, 6]  # one accepts (deferred update), the other is told
        loser = one if one.response["type"] == 4 else two
        assert "accepted already" in await refusal(loser)
        await eventually(lambda: len(world.emu.messages(threads(world)[0].id)) == 1)
        assert len(threads(world)) == 1
        rows = await store.db.fetchall(
            *sql("SELECT COUNT(*) FROM mock_sessions WHERE user_id = ?", (ana.id,))
        )
        assert rows[0][0] == 1


async def test_strangers_yourself_and_bots_cannot_take_part(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana, ben, cy = world["ana"], world["ben"], world["cy"]
    async with start_bot():
        assert "yourself" in await refusal(await invite(world, ana, ana))
        assert "Bots" in await refusal(await invite(world, ana, world.emu.bot_user))
        message = (await invite(world, ana, ben)).message
        pid = pair_of(message)
        stranger = await press(cy, message, f"drill:mock:pair:accept:{pid}")
        assert "for someone else" in await refusal(stranger)
        assert "for someone else" in await refusal(
            await press(ana, message, f"drill:mock:pair:accept:{pid}")
        )
        assert (await store.mock_pairs.get(pid)).state == "pending"  # type: ignore[union-attr]
        assert threads(world) == []
        no = await press(ben, message, f"drill:mock:pair:decline:{pid}")
        assert no.response["type"] == 7
        assert (await store.mock_pairs.get(pid)).state == "declined"  # type: ignore[union-attr]


async def test_without_the_private_thread_permission_accept_closes_the_pair_clearly(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        message = (await invite(world, ana, ben)).message
        world.guild.deny_bot(world.channel.id, "CREATE_PRIVATE_THREADS")
        pid = pair_of(message)
        accept = await press(ben, message, f"drill:mock:pair:accept:{pid}")
        assert "Create Private Threads" in await refusal(accept)
        assert (await store.mock_pairs.get(pid)).state == "ended"  # type: ignore[union-attr]
        assert await store.mock.open_for(ana.id) is None and threads(world) == []
        again = await invite(world, ana, ben)  # the inviter is free to ask again
        assert again.response["type"] == 4


async def test_a_long_rate_limit_on_the_thread_ends_the_pair_with_a_true_message(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    world.emu.force_429("/threads", retry_after=60)  # longer than the bot waits
    async with start_bot():
        message = (await invite(world, ana, ben)).message
        pid = pair_of(message)
        told = await refusal(await press(ben, message, f"drill:mock:pair:accept:{pid}"))
        assert "limiting how fast threads open" in told and "Something went wrong" not in told
        shown = world.emu.message(message.channel_id, message.id)
        assert "did not start" in shown.content and shown.components == []
        assert (await store.mock_pairs.get(pid)).state == "ended"  # type: ignore[union-attr]
        assert await store.mock.open_for(ana.id) is None and threads(world) == []


async def test_a_server_error_on_the_thread_is_not_blamed_on_permissions(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        message = (await invite(world, ana, ben)).message
        pid = pair_of(message)
        world.emu.fail_next("/threads", status=500, times=10)  # past discord.py's retries
        accept = await press(ben, message, f"drill:mock:pair:accept:{pid}")
        told = (await accept.wait_followup(timeout=40)).content  # after ~16 s of retries
        assert "error 500" in told and "Create Private Threads" not in told
        assert (await store.mock_pairs.get(pid)).state == "ended"  # type: ignore[union-attr]


async def test_a_pair_killed_between_accept_and_the_first_question_ends_on_start(
    world: World, store: Store, start_bot: BotFactory, clock: Any
) -> None:
    ana, ben = world["ana"], world["ben"]
    now = clock.now()
    pair = await store.mock_pairs.invite(
        guild_id=world.guild.id, channel_id=world.channel.id, inviter_id=ana.id,
        partner_id=ben.id, round_="behavioural", now=now, expires_at=now + timedelta(minutes=10),
    )  # fmt: skip
    assert await store.mock_pairs.settle(pair.id, ben.id, "accepted", now)  # then killed
    async with start_bot():
        assert (await store.mock_pairs.get(pair.id)).state == "ended"  # type: ignore[union-attr]
        told = [m for m in world.emu.messages(world.channel.id) if "did not start" in m.content]
        assert len(told) == 1 and f"<@{ana.id}>" in told[0].content
    assert await store.mock.open_for(ana.id) is None


async def test_a_partner_who_left_the_server_is_not_swapped_in(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        message = (await invite(world, ana, ben)).message
        pid = pair_of(message)
        await press(ben, message, f"drill:mock:pair:accept:{pid}")
        (thread,) = await eventually(lambda: threads(world) or None)
        (first,) = await eventually(lambda: world.emu.messages(thread.id) or None)
        world.guild.remove_member(ben, announce=False)  # an event the bot never got
        swap = f"drill:mock:pair:swap:{pid}"
        first.components[0]["components"].append(
            {"type": 2, "style": 1, "label": "Swap roles", "custom_id": swap}
        )
        told = await refusal(await press(ana, first, swap))
        assert "no longer in this server" in told
        assert (await store.mock_pairs.get(pid)).state == "ended"  # type: ignore[union-attr]


async def test_a_refusal_after_the_thread_opened_leaves_it_archived_and_nobody_in_a_round(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        message = (await invite(world, ana, ben)).message
        pid = pair_of(message)
        world.emu.fail_next("/thread-members/", status=403)
        told = await refusal(await press(ben, message, f"drill:mock:pair:accept:{pid}"))
        assert "Create Private Threads" in told
        (thread,) = threads(world)
        assert thread.archived and thread.locked
        assert (await store.mock_pairs.get(pid)).state == "ended"  # type: ignore[union-attr]
        assert await store.mock.open_for(ana.id) is None
