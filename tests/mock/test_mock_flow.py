"""/mock through the real client and the emulator: a whole round, a restart in the middle, the
countdown, follow-ups, ratings and the summary; double submits and stale buttons."""

from __future__ import annotations

import asyncio
import re

from bot.mock import ROUNDS_BY_SLUG
from bot.sandbox.emulator.layouts import texts
from bot.sandbox.emulator.state import Message
from bot.storage import Store
from tests.conftest import BotFactory, World
from tests.quiz.helpers import ask, button_ids, press, refusal

ROUND = ROUNDS_BY_SLUG["phone-screen"]


def session_of(message: Message) -> int:
    return int(message.embeds[0]["footer"]["text"].rsplit("mock ", 1)[1])


def answer_id(message: Message) -> str:
    (custom_id,) = [c for c in button_ids(message) if c.startswith("drill:mock:answer:")]
    return custom_id


async def test_a_phone_screen_round_with_a_restart_follow_ups_and_the_summary(
    world: World, store: Store, start_bot: BotFactory, clock
) -> None:
    emu, ana = world.emu, world["ana"]
    async with start_bot():
        first = await ask(ana, world.channel.id, "mock start", round="phone-screen")
        sid = session_of(first)
        assert first.embeds[0]["title"] == "Phone screen · question 1 of 5"
        deadline = int(clock.now().timestamp() + ROUND.budget_s)
        assert f"<t:{deadline}:R>" in first.embeds[0]["fields"][0]["value"]
        assert button_ids(first) == [f"drill:mock:answer:{sid}:0:0", f"drill:mock:abandon:{sid}"]
        opened = await press(ana, first, f"drill:mock:answer:{sid}:0:0")
        clock.advance(minutes=9)  # over the 8-minute budget
        submit = await ana.submit_modal(opened, {"answer": "My first answer"})
        assert (await submit.wait_response())["type"] == 7
    # The bot restarts; the message sent before it still drives the round.
    async with start_bot():
        steps = 1
        while True:
            message = emu.message(first.channel_id, first.id)
            assert message is not None
            ids = button_ids(message)
            if ids[0].startswith("drill:mock:rate:"):
                break
            clock.advance(minutes=1)
            opened = await press(ana, message, answer_id(message))
            submit = await ana.submit_modal(opened, {"answer": f"answer {steps}"})
            assert (await submit.wait_response())["type"] == 7
            steps += 1
        session = await store.mock.session(sid)
        assert session is not None and session.state == "rating"
        answers = await store.mock.answers(sid)
        assert len(answers) == steps
        follow_ups = [a for a in answers if a.step > 0]
        assert follow_ups, "the bank's follow-ups are released one at a time"
        assert answers[0].over_time and not answers[-1].over_time
        rate = await press(ana, message, f"drill:mock:rate:{sid}")
        assert rate.modal is not None
        inputs = re.findall(r"'custom_id': '([a-z-]+)'", str(rate.modal["components"]))
        assert inputs == list(ROUND.signals)
        bad = await ana.submit_modal(rate, dict.fromkeys(ROUND.signals, "5"))
        assert "digit from 1 to 4" in await refusal(bad)
        rate = await press(ana, message, f"drill:mock:rate:{sid}")
        done = await ana.submit_modal(rate, dict.fromkeys(ROUND.signals, "3"))
        assert (await done.wait_response())["type"] == 7
        summary = emu.message(first.channel_id, first.id)
        assert summary is not None and summary.components == []
        card = summary.embeds[0]
        (chart,) = summary.attachments
        assert chart["filename"] == "signals.png"
        assert card["image"]["url"] == "attachment://signals.png"
        _, png, _ = emu.world.blobs[int(chart["id"])]
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and 10_000 < len(png) < 1_000_000
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (800, 450)
        assert card["title"] == "Mock phone screen: summary"
        times = card["fields"][0]["value"]
        assert times.count("\n") == 4 and "**over time**" in times.splitlines()[0]
        assert [f["name"] for f in summary.embeds[1]["fields"]][:2] == ["Key points", "Red flags"]
        assert sum(len(str(e)) for e in summary.embeds) < 6000 + 2000  # JSON overhead aside
        history = await ana.slash("mock history", {}, channel_id=world.channel.id)
        response = await history.wait_response()
        assert "Phone screen" in response["data"]["embeds"][0]["description"]
    assert (await store.mock.session(sid)).state == "done"  # type: ignore[union-attr]


async def test_a_double_submit_and_a_stale_button_change_nothing(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        first = await ask(ana, world.channel.id, "mock start", round="coding")
        sid = session_of(first)
        one = await press(ana, first, f"drill:mock:answer:{sid}:0:0")
        two = await press(ana, first, f"drill:mock:answer:{sid}:0:0")
        a, b = await asyncio.gather(
            ana.submit_modal(one, {"answer": "once"}), ana.submit_modal(two, {"answer": "twice"})
        )
        kinds = sorted([(await a.wait_response())["type"], (await b.wait_response())["type"]])
        assert kinds == [4, 7]  # one moves the round on, the other is told it was saved
        assert len(await store.mock.answers(sid)) == 1
        moved = world.emu.message(first.channel_id, first.id)
        assert moved is not None and answer_id(moved) != f"drill:mock:answer:{sid}:0:0"
        stranger = await press(ben, moved, answer_id(moved))
        assert "not yours" in await refusal(stranger)
        again = await ana.slash("mock start", {"round": "coding"}, channel_id=world.channel.id)
        assert (await again.wait_response())["type"] == 5
        assert "open already" in (await again.wait_followup()).content
        gone = await press(ana, moved, f"drill:mock:abandon:{sid}")
        assert gone.response is not None and gone.response["type"] == 7
    assert (await store.mock.session(sid)).state == "abandoned"  # type: ignore[union-attr]


async def test_stats_show_the_signal_profile_of_finished_rounds(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        first = await ask(ana, world.channel.id, "mock start", round="behavioural")
        sid = session_of(first)
        while True:
            message = world.emu.message(first.channel_id, first.id)
            assert message is not None
            if button_ids(message)[0].startswith("drill:mock:rate:"):
                break
            opened = await press(ana, message, answer_id(message))
            await (await ana.submit_modal(opened, {"answer": "An answer"})).wait_response()
        rate = await press(ana, message, f"drill:mock:rate:{sid}")
        signals = ROUNDS_BY_SLUG["behavioural"].signals
        ratings = dict(zip(signals, ("2", "3", "4"), strict=True))
        await (await ana.submit_modal(rate, ratings)).wait_response()
        stats = await ask(ana, world.channel.id, "stats")
        field = next(t for t in texts(stats.components) if t.startswith("### Mock interview"))
        assert field.splitlines()[1:] == [
            "Production mindset: self 2.0 /4",
            "Infrastructure fluency: self 4.0 /4",
            "ML-specific operations: self 3.0 /4",
        ]
