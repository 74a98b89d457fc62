"""Blind answers without Discord: splitting, the one-answer-per-member guard under concurrency,
and the edges of the reveal claim."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.daily.blind import MAX_BLIND_ANSWER, PART_TEXT, BlindAnswers, split_text
from bot.errors import DrillError
from bot.storage import DailyPost, Store
from tests.conftest import START

GUILD = 7
MEMBER = 42


def _letters(text: str) -> str:
    return "".join(c for c in text if not c.isspace() and c != "`")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "bb ", " ", "\n", "\n\n", "`", "```", "```py\n", "é", "🙂"]),
        max_size=1_500,
    )
)
def test_split_pieces_fit_and_lose_no_character(tokens: list[str]) -> None:
    text = "".join(tokens)[:MAX_BLIND_ANSWER]
    pieces = split_text(text, 200)
    assert all(len(p) <= 200 for p in pieces)
    # What the splitter adds is fences and the language word; nothing of the text is lost.
    joined = "".join(pieces).replace("```py", "```")
    assert _letters(joined).replace("py", "") == _letters(text.replace("```py", "```")).replace(
        "py", ""
    )


def test_split_cuts_at_paragraphs_then_lines_then_words() -> None:
    para = "word " * 300  # 1,500 characters
    pieces = split_text(f"{para}\n\n{para}\n\n{para}")
    assert len(pieces) == 3 and all(p.strip() == para.strip() for p in pieces)
    words = split_text("alpha " * 700)
    assert all(not p.startswith(" ") and not p.endswith("alph") for p in words)
    assert all(len(p) <= PART_TEXT for p in words)


def test_a_code_block_split_in_two_is_closed_and_reopened_with_its_language() -> None:
    code = "```python\n" + "\n".join(f"value_{i} = compute({i})" for i in range(200)) + "\n```"
    pieces = split_text(code)
    assert len(pieces) >= 2
    assert all(p.count("```") == 2 for p in pieces)
    assert all(p.startswith("```python\n") for p in pieces)


def test_a_hostile_fence_line_does_not_blow_the_limit() -> None:
    text = "```" + "x" * 3000 + "\n" + "y " * 1000
    assert all(len(p) <= PART_TEXT for p in split_text(text))


async def _post(store: Store, *, blind: bool = True) -> DailyPost:
    post, _ = await store.daily.claim(
        guild_id=GUILD,
        local_date="2026-03-02",
        question_id="python-001",
        topic="python",
        channel_id=1,
        nonce="n",
        scheduled_for=START,
        reveal_at=START + timedelta(hours=23),
        now=START,
        mode="blind" if blind else "thread",
    )
    await store.daily.mark_posted(post.id, 100, None, START)
    fresh = await store.daily.by_id(post.id)
    assert fresh is not None
    return fresh


async def test_two_submits_at_once_store_one_answer(store: Store) -> None:
    post = await _post(store)
    service = BlindAnswers(store, FakeClock(START))
    texts = [f"Answer number {i}: canary, shadow traffic, rollback." for i in range(8)]
    results = await asyncio.gather(
        *(service.submit(GUILD, post.id, MEMBER, text) for text in texts)
    )
    rows = await store.answers.for_post(post.id)
    assert len(rows) == 1 and rows[0].content in texts
    assert sorted(r.outcome for r in results) == ["edited"] * 7 + ["stored"]
    assert rows[0].edit_count == 7


async def test_after_the_reveal_is_claimed_a_first_answer_is_late_and_an_edit_closed(
    store: Store,
) -> None:
    post = await _post(store)
    clock = FakeClock(START + timedelta(hours=1))
    service = BlindAnswers(store, clock)
    first = await service.submit(GUILD, post.id, MEMBER, "My answer before the reveal")
    assert first.outcome == "stored"
    await store.daily.claim_reveal(post.id, "run-a", clock.now())
    clock.advance(minutes=1)
    edit = await service.submit(GUILD, post.id, MEMBER, "A change after the claim")
    assert edit.outcome == "closed"
    late = await service.submit(GUILD, post.id, MEMBER + 1, "A first answer after the claim")
    assert late.outcome == "late"
    rows = {a.user_id: a for a in await store.answers.for_post(post.id)}
    assert rows[MEMBER].content == "My answer before the reveal"
    claimed = await store.daily.by_id(post.id)
    assert claimed is not None and claimed.reveal_at is not None
    assert rows[MEMBER + 1].created_at > claimed.reveal_at  # so never scored


async def test_submits_racing_the_reveal_claim_are_either_in_the_plan_or_refused(
    store: Store,
) -> None:
    post = await _post(store)
    clock = FakeClock(START + timedelta(hours=1))
    service = BlindAnswers(store, clock)
    for member in range(20):
        await service.submit(GUILD, post.id, member, f"First answer of member {member}")
    edits = [service.submit(GUILD, post.id, m, f"Edited answer of member {m}") for m in range(20)]
    claim = store.daily.claim_reveal(post.id, "run-a", clock.now())
    *outcomes, claimed = await asyncio.gather(*edits, claim)
    assert claimed is not None
    rows = {a.user_id: a.content for a in await store.answers.for_post(post.id)}
    for member, result in enumerate(outcomes):
        # Acknowledged as edited: the edit is what the reveal publishes; refused: it is not.
        want = "Edited" if result.outcome == "edited" else "First"
        assert result.outcome in {"edited", "closed"}
        assert rows[member].startswith(want)


async def test_bad_submissions_are_refused_clearly_and_store_nothing(store: Store) -> None:
    post = await _post(store)
    thread_post, _ = await store.daily.claim(
        guild_id=GUILD,
        local_date="2026-03-03",
        question_id="python-002",
        topic="python",
        channel_id=1,
        nonce="m",
        scheduled_for=START,
        reveal_at=None,
        now=START,
    )
    service = BlindAnswers(store, FakeClock(START))
    cases = [
        (GUILD, post.id, " \n\t ", "empty answer"),
        (GUILD, post.id, "x" * (MAX_BLIND_ANSWER + 1), "at most 4,000 characters"),
        (GUILD + 1, post.id, "from another server", "not this server's"),
        (GUILD, thread_post.id, "a thread-mode post", "not this server's"),
        (GUILD, 999_999, "no such post", "not this server's"),
    ]
    for guild, post_id, text, said in cases:
        with pytest.raises(DrillError, match=said):
            await service.submit(guild, post_id, MEMBER, text)
    assert await store.answers.for_post(post.id) == []
