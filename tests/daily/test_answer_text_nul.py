"""A member's text with NUL characters is stored alike on both backends by every answer path:
PostgreSQL's text cannot hold NUL (it refused a member's modal answer with one), so each becomes
U+FFFD on both, and nothing else in the text changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage import Store
from bot.storage.models import NewAnswer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GUILD, CHANNEL = 41, 410
ANA, OLGA = 7, 8
HOSTILE = "a\x00b\x00\x00" + "é" * 3
STORED = "a\ufffdb\ufffd\ufffdééé"


async def posted(store: Store, local_date: str, mode: str = "thread") -> int:
    post, _ = await store.daily.claim(
        guild_id=GUILD, local_date=local_date, question_id="q", topic="t", channel_id=CHANNEL,
        nonce=local_date, scheduled_for=T0, reveal_at=T0 + timedelta(hours=8), now=T0, mode=mode,
    )  # fmt: skip
    await store.daily.mark_posted(post.id, 9000 + post.id, None, T0)
    return post.id


async def test_button_and_blind_answers_and_edits_store_nul_as_replacement(store: Store) -> None:
    thread_day = await posted(store, "2026-03-02")
    outcome, answer_id = await store.buttons.submit(
        thread_day, GUILD, ANA, CHANNEL, HOSTILE, T0, interaction_id=1
    )
    assert outcome == "stored" and answer_id is not None
    button = await store.buttons.get(answer_id)
    assert button is not None and button.content == STORED

    blind_day = await posted(store, "2026-03-03", mode="blind")
    assert await store.blind.submit(blind_day, GUILD, OLGA, HOSTILE, T0) == ("stored", 0)
    assert await store.blind.answer_text(blind_day, OLGA) == STORED
    # The same text again is no edit: the guard compares cleaned text with cleaned text.
    assert await store.blind.submit(blind_day, GUILD, OLGA, HOSTILE, T0) == ("edited", 0)
    assert await store.blind.submit(blind_day, GUILD, OLGA, HOSTILE + "!", T0) == ("edited", 1)
    assert await store.blind.answer_text(blind_day, OLGA) == STORED + "!"


async def test_thread_and_quiz_answers_store_nul_as_replacement(store: Store) -> None:
    post_id = await posted(store, "2026-03-02")
    await store.answers.record([])  # nothing to store: no statement at all
    new = NewAnswer(post_id, GUILD, ANA, 10, CHANNEL, HOSTILE, T0)
    assert await store.answers.record([new, new]) == 1
    assert await store.answers.record([new]) == 0
    assert not await store.answers.edit(10, HOSTILE, T0 + timedelta(minutes=1))
    assert await store.answers.edit(10, "x\x00", T0 + timedelta(minutes=2))
    stored = await store.answers.by_message(10)
    assert stored is not None and (stored.content, stored.edit_count) == ("x\ufffd", 1)

    session = await store.practice.open_session(
        guild_id=None, user_id=ANA, question_id="ml-001", question_version="1", mode="quiz", now=T0
    )
    await store.answers.record_quiz(
        session_id=session.id, guild_id=None, user_id=ANA, content=HOSTILE, now=T0
    )
    (quiz,) = await store.answers.for_session(session.id)
    assert quiz.content == STORED

    await store.daily.record_failure(post_id, "bad\x00byte")
    failed = await store.daily.by_id(post_id)
    assert failed is not None and (failed.attempts, failed.last_error) == (1, "bad\ufffdbyte")
