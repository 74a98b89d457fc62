"""/plan through the real client and the emulator: start, today's progress, stop."""

from __future__ import annotations

from bot.storage import Store
from tests.conftest import BotFactory, World
from tests.quiz.helpers import EPHEMERAL, ask, footer_session, press


async def reply(member, channel_id: int, command: str, **options):  # type: ignore[no-untyped-def]
    inter = await member.slash(command, options, channel_id=channel_id)
    response = await inter.wait_response()
    assert response["type"] == 4 and response["data"]["flags"] & EPHEMERAL
    return response["data"]


async def test_a_plan_for_an_interview_in_ten_days_counts_quiz_practice(
    world: World, store: Store, start_bot: BotFactory, clock
) -> None:
    ana = world["ana"]
    channel = world.channel.id
    async with start_bot():
        started = await reply(ana, channel, "plan start", interview_date="2026-03-12")
        embed = started["embeds"][0]
        assert embed["title"] == "Your plan: 10 days to Thursday 12 March 2026"
        assert [f["name"] for f in embed["fields"]] == [
            "Deployment and CI/CD", "Monitoring and infrastructure", "Data and practice",
        ]  # fmt: skip
        assert "mock **phone-screen**" in embed["fields"][2]["value"]
        before = await reply(ana, channel, "plan today")
        assert "/quiz on these topics: 0/3" in before["embeds"][0]["description"]
        question = await ask(ana, channel, "quiz", topic="cicd")
        sid = footer_session(question)
        opened = await press(ana, question, f"drill:quiz:answer:{sid}")
        await (await ana.submit_modal(opened, {"answer": "Gate on metrics"})).wait_response()
        after = await reply(ana, channel, "plan today")
        assert "/quiz on these topics: 1/3" in after["embeds"][0]["description"]
        assert after["embeds"][0]["fields"][-1]["value"].startswith("phone-screen on Mon 09 Mar")
        stopped = await reply(ana, channel, "plan stop")
        assert stopped["content"] == "Your study plan is stopped."
        again = await reply(ana, channel, "plan stop")
        assert again["content"] == "You have no study plan running."
    plan = await store.plans.get(ana.id)
    assert plan is not None and plan.state == "stopped"


async def test_a_hostile_date_gets_a_short_private_refusal(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        refused = await reply(ana, world.channel.id, "plan start", interview_date="@everyone")
        assert refused["content"].startswith("Give the interview date as YYYY-MM-DD")
        assert "@everyone" not in refused["content"]
    assert await store.plans.get(ana.id) is None


async def test_refusals_from_the_command_tree_fit_and_ping_nobody(
    world: World, start_bot: BotFactory
) -> None:
    from tests.drill.test_drill_long_input import answer

    async with start_bot():
        text = await answer(world, world["ana"], "plan today", {})
    assert text == "You have no study plan: start one with /plan start."
