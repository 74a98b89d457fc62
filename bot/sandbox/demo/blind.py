"""The demo's blind day: the organiser switches to blind answers, members answer with the
post's button (nobody sees anything), the reveal posts every answer together, a late answer is
stored but not scored, and the discussion thread is locked after its time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.demo.answers import Level, clause, question_in, sample
from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator import layouts as v2
from bot.storage import Store

# Who answers how on the blind day, from the day's own key points (level, first point, count).
BLIND: dict[str, tuple[Level, int, int]] = {
    "ana": ("strong", 2, 4),
    "ben": ("partial", 0, 2),
    "cy": ("partial", 3, 1),
    "dee": ("strong", 1, 3),
}
LATE: tuple[str, Level, int] = ("eve", "partial", 4)


async def blind_day(
    bot: Any,
    emu: Emulator,
    clock: Any,
    say: Any,
    channel_id: int,
    people: dict[str, Any],
    organiser: Any,
    store: Store,
    guild_id: int,
    local: Any,
) -> None:
    clock.set(datetime(2026, 3, 3, 8, 30, tzinfo=local))
    say.line("olga", "/drill setup answers:blind discussion:2h")
    inter = await organiser.slash(
        "drill setup", {"answers": "blind", "discussion": "2h"}, channel_id=channel_id
    )
    await inter.wait_response()
    reply = await emu.wait_until(lambda: inter.message, timeout=5)
    say.line("drillbot", "(only olga sees this) " + reply.content.splitlines()[-1])

    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=local))
    await bot.jobs.idle()
    post = await emu.wait_until(lambda: _question(emu, channel_id, "2026-03-03"), timeout=5)
    say.line("drillbot", "posts in #daily-question, with an Answer button and no thread")
    say.layout(post)
    button = v2.buttons(post.components)[0]["custom_id"]
    question = question_in(v2.texts(post.components)[-1], say.bank)
    members = [n for n in BLIND if n in people]
    texts: dict[str, str] = {}
    for minutes, name in enumerate(members, start=1):
        clock.advance(timedelta(minutes=5 * minutes))
        level, start, count = BLIND[name]
        texts[name] = sample(question, level, name, start, count)
        reply_text = await _answer(people[name], channel_id, post.id, button, texts[name])
        say.line(name, f"(presses Answer, writes in the form) {texts[name]}")
        say.line("drillbot", f"(only {name} sees this) {reply_text}")
    if "ben" in members:
        clock.advance(minutes=4)
        more = f" And {clause(question.key_points[-1])}."
        texts["ben"] += more
        reply_text = await _answer(people["ben"], channel_id, post.id, button, texts["ben"])
        say.line(
            "ben", f"(presses Answer again: the form opens with his answer, he adds) {more.strip()}"
        )
        say.line("drillbot", f"(only ben sees this) {reply_text}")
    for name, text in texts.items():
        say.answered.note(question, BLIND[name][0], text)
    seen = [m for m in emu.messages(channel_id) if m.id > post.id]
    say.line("", f"the channel shows {len(seen)} answers: nobody anchors on anyone")

    clock.set(datetime(2026, 3, 4, 8, 0, tzinfo=local))
    await bot.jobs.idle()
    thread = await emu.wait_until(lambda: emu.channel(post.id), timeout=5)
    notes = await emu.wait_until(
        lambda: [m for m in emu.messages(thread.id) if "What they're testing" in m.text], 5
    )
    say.line("drillbot", f"opens thread «{thread.name}» and posts every answer together:")
    for message in emu.messages(thread.id):
        if message.id == notes[0].id:
            break
        head, _, body = message.content.partition("\n")
        for name, member in people.items():  # the client shows a mention as the member's name
            head = head.replace(f"<@{member.id}>", f"@{name}")
        say.line("", f"{head} — {body[:60]}…")
    say.line("drillbot", "then the notes:")
    say.layout(notes[0])
    late, level, start = LATE
    if late in people:
        clock.advance(minutes=20)
        text = say.answered.note(question, level, sample(question, level, late, start))
        reply_text = await _answer(people[late], channel_id, post.id, button, text)
        say.line(late, f"(presses Answer after the reveal) {text}")
        say.line("drillbot", f"(only {late} sees this) {reply_text}")
    clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=local))
    await bot.jobs.idle()
    locked = await emu.wait_until(lambda: getattr(emu.channel(thread.id), "locked", False), 5)
    daily = await store.daily.get(guild_id, "2026-03-03")
    stored = await store.answers.for_post(daily.id) if daily else []
    say.line(
        "drillbot",
        f"locks the discussion (locked={bool(locked)}); {len(stored)} answers stored, "
        f"{len(members)} scored",
    )


def _question(emu: Emulator, channel_id: int, local_date: str) -> Any:
    for message in emu.messages(channel_id):
        shown = v2.texts(message.components)
        if shown and local_date in shown[-1] and v2.buttons(message.components):
            return message
    return None


async def _answer(member: Any, channel_id: int, post_id: int, button: str, text: str) -> str:
    opened = await member.click(channel_id, post_id, button)
    await opened.wait_response()
    submitted = await member.submit_modal(opened, {"answer": text})
    response = await submitted.wait_response()
    return str(response["data"]["content"])
