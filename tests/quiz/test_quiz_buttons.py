"""Practice through the real client: autocomplete, refusals, notes, skip, review, reports,
restarts and the daily reveal's grade buttons."""

from __future__ import annotations

from bot.bank import Bank
from bot.storage import Store
from cogs.render import TESTING_HEADING
from tests.conftest import START, BotFactory, World
from tests.quiz.helpers import (
    EPHEMERAL,
    ask,
    button_ids,
    footer_session,
    press,
    prompt,
    refusal,
    title,
)


async def test_topic_autocomplete_matches_names_aliases_and_typos(
    world: World, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():

        async def first(text: str) -> list[str]:
            choices = await ana.autocomplete("quiz", {"topic": text}, focused="topic")
            return [c["value"] for c in choices]

        assert (await first("cicd"))[0] == "cicd"
        assert (await first("ci"))[0] == "cicd"
        assert (await first("k8s"))[0] == "containers"
        assert (await first("drift"))[0] == "monitoring"
        assert (await first("kubernets"))[0] == "containers"  # typo
        everything = await ana.autocomplete("quiz", {"topic": ""}, focused="topic")
        assert len(everything) == 15 and everything[0]["value"] == "behavioural"
        assert all(len(c["name"]) <= 100 for c in everything)


async def test_unknown_topic_gets_closest_topics_not_an_error(
    world: World, start_bot: BotFactory
) -> None:
    emu, ana = world.emu, world["ana"]
    async with start_bot():
        inter = await ana.slash("quiz", {"topic": "cooking"}, channel_id=world.channel.id)
        text = await refusal(inter)
        assert text.startswith("No topic matches 'cooking'. Did you mean")
        assert "`monitoring`" in text
    assert emu.errors == []


async def test_show_notes_and_skip(world: World, store: Store, start_bot: BotFactory) -> None:
    emu, ana = world.emu, world["ana"]
    async with start_bot():
        question = await ask(ana, world.channel.id, "quiz", topic="iac", difficulty="medium")
        first, shown = footer_session(question), prompt(question)
        await press(ana, question, f"drill:quiz:skip:{first}")
        skipped = emu.message(question.channel_id, question.id)
        assert skipped is not None
        second = footer_session(skipped)
        assert second != first and button_ids(skipped)[0] == f"drill:quiz:answer:{second}"
        assert prompt(skipped) != shown
        await press(ana, skipped, f"drill:quiz:notes:{second}")
        notes = emu.message(question.channel_id, question.id)
        assert notes is not None
        assert title(notes) == "Practice question" and f"## {TESTING_HEADING}\n" in notes.text
        assert button_ids(notes)[:4] == [f"drill:grade:{second}:{g}" for g in (1, 2, 3, 4)]
    old, new = await store.practice.session(first), await store.practice.session(second)
    assert old is not None and old.state == "skipped"
    assert new is not None and new.state == "revealed" and new.notes_only
    assert new.question_id != old.question_id


async def test_review_serves_due_questions_and_says_when_none_are(
    world: World, start_bot: BotFactory, clock
) -> None:
    emu, ana = world.emu, world["ana"]
    async with start_bot():
        nothing = await ana.slash("review", channel_id=world.channel.id)
        assert "Grade a /quiz answer" in await refusal(nothing)
        question = await ask(ana, world.channel.id, "quiz", topic="drift")
        sid = footer_session(question)
        asked = prompt(question)
        await press(ana, question, f"drill:quiz:notes:{sid}")
        await press(ana, question, f"drill:grade:{sid}:3")  # Good: due in 10 minutes
        due_at = int(START.timestamp()) + 600
        early = await ana.slash("review", channel_id=world.channel.id)
        assert f"<t:{due_at}:R>" in await refusal(early)
        clock.advance(minutes=11)
        review = await ask(ana, world.channel.id, "review")
        assert title(review) == "Review question"
        assert prompt(review) == asked
    assert emu.errors == []


async def test_buttons_and_an_open_modal_work_after_a_restart(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    emu, ana = world.emu, world["ana"]
    async with start_bot():
        question = await ask(ana, world.channel.id, "quiz", topic="serving")
        sid = footer_session(question)
        opened = await press(ana, question, f"drill:quiz:answer:{sid}")
    async with start_bot():
        submit = await ana.submit_modal(opened, {"answer": "Canary with automatic rollback."})
        assert (await submit.wait_response())["type"] == 7
        revealed = emu.message(question.channel_id, question.id)
        assert revealed is not None and f"## {TESTING_HEADING}\n" in revealed.text
    async with start_bot():
        await press(ana, revealed, f"drill:grade:{sid}:4")
    session = await store.practice.session(sid)
    assert session is not None and session.state == "graded" and session.grade == 4


async def test_another_members_press_and_an_expired_session_are_refused(
    world: World, store: Store, start_bot: BotFactory, clock
) -> None:
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        question = await ask(ana, world.channel.id, "quiz", topic="cicd")
        sid = footer_session(question)
        stolen = await ben.click(question.channel_id, question.id, f"drill:quiz:answer:{sid}")
        assert "belongs to someone else" in await refusal(stolen)
        grab = await ben.click(question.channel_id, question.id, f"drill:quiz:notes:{sid}")
        assert "belongs to someone else" in await refusal(grab)
        clock.advance(hours=25)
        late = await ana.click(question.channel_id, question.id, f"drill:quiz:answer:{sid}")
        assert "expired" in await refusal(late)
    session = await store.practice.session(sid)
    assert session is not None and session.state == "open"


async def test_cooldown_says_how_long_to_wait(world: World, start_bot: BotFactory, clock) -> None:
    ana = world["ana"]
    async with start_bot():
        for _ in range(4):
            await ask(ana, world.channel.id, "quiz", topic="python")
            clock.advance(seconds=10)
        blocked = await ana.slash("quiz", {"topic": "python"}, channel_id=world.channel.id)
        assert "Try again in 20s" in await refusal(blocked)
        clock.advance(seconds=20)
        assert (await ask(ana, world.channel.id, "quiz", topic="python")).components


async def test_report_is_stored_with_question_id_and_version(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        question = await ask(ana, world.channel.id, "quiz", topic="security")
        sid = footer_session(question)
        opened = await press(ana, question, f"drill:report:{sid}")
        assert opened.modal is not None
        submit = await ana.submit_modal(
            opened, {"reason": "outdated", "detail": "Mentions a retired API."}
        )
        assert "reported as **outdated**" in await refusal(submit)
    session = await store.practice.session(sid)
    assert session is not None
    summary = await store.practice.report_summary(world.guild.id)
    assert [(s.question_id, s.count, s.reasons) for s in summary] == [
        (session.question_id, 1, ("outdated",))
    ]
    assert summary[0].latest_detail == "Mentions a retired API."


async def test_daily_reveal_grade_buttons_feed_the_members_review_queue(
    world: World, store: Store, start_bot: BotFactory, clock, bank: Bank
) -> None:
    emu, ben = world.emu, world["ben"]
    await store.guilds.update(
        world.guild.id, world.owner.id, START, channel_id=world.channel.id, post_time="06:00"
    )
    async with start_bot() as bot:
        assert bot.daily is not None
        await bot.jobs.idle()
        posted = await emu.wait_until(lambda: emu.messages(world.channel.id), timeout=5)
        thread = await emu.wait_until(lambda: emu.channel(posted[0].id), timeout=5)
        clock.advance(hours=23, minutes=1)
        await bot.jobs.idle()
        reveals = await emu.wait_until(
            lambda: [m for m in emu.messages(thread.id) if m.components], timeout=5
        )
    post = await store.daily.get(world.guild.id, "2026-03-02")
    assert post is not None
    reveal = reveals[0]
    # A question with a model answer also gets a button that shows it (issue 26).
    model = (
        [f"drill:daily:model:{post.id}"] if bank.questions[post.question_id].model_answer else []
    )
    assert (
        button_ids(reveal)
        == [f"drill:daily:grade:{post.id}:{g}" for g in (1, 2, 3, 4)]
        + [f"drill:daily:report:{post.id}", f"drill:check:daily:{post.id}"]
        + model
    )
    async with start_bot():  # the reveal's buttons outlive a restart too
        first = await ben.click(thread.id, reveal.id, f"drill:daily:grade:{post.id}:2")
        assert "Graded **Hard**" in await refusal(first)
        again = await ben.click(thread.id, reveal.id, f"drill:daily:grade:{post.id}:4")
        assert "already graded this one (Hard)" in await refusal(again)
    card = await store.practice.card(ben.id, post.question_id)
    session = await store.practice.daily_session(ben.id, post.id)
    assert card is not None and card.last_grade == 2
    assert session is not None and session.mode == "daily" and session.grade == 2


async def test_a_quiz_card_sent_before_v2_is_upgraded_by_its_next_press(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    """A card an older version sent (an embed and rows of buttons, no V2 flag) still answers
    its buttons after an upgrade: the edit clears its content and embeds as Discord requires
    before it takes the flag (the emulator refuses the upgrade otherwise)."""
    emu, ana = world.emu, world["ana"]
    async with start_bot():
        card = await ask(ana, world.channel.id, "quiz", topic="cicd")
    sid = footer_session(card)
    ids = button_ids(card)
    card.flags = EPHEMERAL  # as it was sent before: no IS_COMPONENTS_V2
    card.content = ""
    card.embeds = [{"type": "rich", "title": "Practice question", "description": "An old card"}]
    card.components = [
        {
            "type": 1,
            "components": [{"type": 2, "style": 2, "label": i, "custom_id": i} for i in ids],
        }
    ]
    async with start_bot():
        await press(ana, card, f"drill:quiz:notes:{sid}")
        upgraded = emu.message(card.channel_id, card.id)
        assert upgraded is not None and upgraded.flags & (1 << 15)
        assert upgraded.embeds == [] and f"## {TESTING_HEADING}\n" in upgraded.text
        await press(ana, upgraded, f"drill:grade:{sid}:3")
    session = await store.practice.session(sid)
    assert session is not None and session.state == "graded" and session.grade == 3
    assert emu.errors == []
