"""The demo's mock round: one member takes a short coding round through the real client."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bot.clock import FakeClock
from bot.sandbox.demo.answers import Level, follow_up_answer, question_in, sample
from bot.sandbox.emulator import Emulator

SHOWN_STEPS = 3  # the transcript shows the first steps whole and summarises the rest


def _buttons(message: Any) -> list[str]:
    return [c["custom_id"] for row in message.components for c in row["components"]]


def _first_line(text: str, width: int = 110) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


async def mock_round(
    emu: Emulator, clock: FakeClock, say: Any, people: dict[str, Any], channel_id: int
) -> None:
    name = "cy" if "cy" in people else next(iter(people))
    member = people[name]
    say.line(name, "/mock start round:coding")
    inter = await member.slash("mock start", {"round": "coding"}, channel_id=channel_id)
    card = await inter.wait_followup()
    steps = questions = 0
    while True:
        message = emu.message(card.channel_id, card.id)
        assert message is not None
        ids = _buttons(message)
        if ids[0].startswith("drill:mock:rate:"):
            break
        embed = message.embeds[0]
        if steps < SHOWN_STEPS:
            say.line("drillbot", f"(only {name} sees this) {embed['title']}")
            say.line("", _first_line(embed["description"]))
            say.line("", embed["fields"][0]["value"])
        clock.advance(minutes=4 + 5 * (steps == 1))  # the second step runs over its budget
        opened = await member.click(channel_id, card.id, ids[0])
        await opened.wait_response()
        question = question_in(embed["footer"]["text"], say.bank)
        if "follow-up" in embed["title"]:
            answer = follow_up_answer(question, name, steps)
        else:  # the round's questions answered well, then thinly, in turn
            level: Level = ("strong", "partial", "strong", "weak")[questions % 4]
            answer = say.answered.note(question, level, sample(question, level, name))
            questions += 1
        done = await member.submit_modal(opened, {"answer": answer})
        await done.wait_response()
        if steps < SHOWN_STEPS:
            say.line(name, answer)
        steps += 1
    say.line(name, f"… answers the remaining {steps - SHOWN_STEPS} steps the same way")
    rate = await member.click(channel_id, card.id, ids[0])
    await rate.wait_response()
    assert rate.modal is not None
    signals = [c["custom_id"] for row in rate.modal["components"] for c in row["components"]]
    ratings = dict(zip(signals, ("3", "2", "3", "4", "2"), strict=False))
    say.line(name, "rates themself: " + ", ".join(f"{s} {v}/4" for s, v in ratings.items()))
    summary = await member.submit_modal(rate, ratings)
    await summary.wait_response()
    shown = emu.message(card.channel_id, card.id)
    assert shown is not None
    first = shown.embeds[0]
    say.line("drillbot", f"(only {name} sees this) {first['title']}")
    for field in first["fields"]:
        say.line("", f"{field['name']}:")
        for row in field["value"].splitlines():
            say.line("", f"  {row}")
    # The chart is saved where the line says, like the /stats and gap-report charts.
    _, png, _ = emu.world.blobs[int(shown.attachments[0]["id"])]
    path = Path(tempfile.gettempdir()) / "drillbot-demo-signals.png"
    path.write_bytes(png)
    say.line("", f"+ a chart of the five signals, written to {path} ({len(png):,} bytes PNG),")
    say.line("", "  and, per question, the key points, red flags and the worked solution")
