"""Issue 22.7: what /drill setup's reply says is what happens. A first setup after today's post
time starts tomorrow (it used to post at once, with a reveal 12.5 hours later); catch-up after
downtime is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import schedule
from bot.bank import Bank
from bot.bank.catalog import Catalog
from bot.clock import FakeClock
from bot.organiser.service import Organiser
from bot.storage import Store

GUILD, OLGA = 1, 10
EVENING = datetime(2026, 3, 2, 18, 31, tzinfo=UTC)  # Monday 19:31 in Berlin
TOMORROW_NINE = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Berlin


@pytest.fixture
def organiser(store: Store, bank: Bank, clock: FakeClock) -> Organiser:
    async def reschedule(_guild_id: int) -> None:
        return None

    return Organiser(store, Catalog(bank, store), clock, None, reschedule)


async def setup_at_nine(organiser: Organiser, **extra: str) -> datetime | None:
    result = await organiser.setup(
        GUILD, OLGA, channel_id=500, time="09:00", timezone="Europe/Berlin", **extra
    )
    return result.next_post


async def test_a_first_setup_after_todays_time_starts_tomorrow_as_the_reply_says(
    organiser: Organiser, store: Store, clock: FakeClock
) -> None:
    clock.set(EVENING)
    assert await setup_at_nine(organiser) == TOMORROW_NINE  # "Next post: tomorrow 09:00"
    settings = await store.guilds.get_or_default(GUILD)
    assert schedule.due_slot(settings, clock.now()) is None  # not posted at once
    assert schedule.next_due(settings, clock.now()) == TOMORROW_NINE
    assert (await organiser.status(GUILD)).today.state == "starts-later"
    clock.set(TOMORROW_NINE)
    slot = schedule.due_slot(settings, clock.now())
    assert slot is not None and slot.post_at == TOMORROW_NINE


async def test_a_setup_before_todays_time_posts_today(
    organiser: Organiser, store: Store, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # 07:00 Berlin
    assert await setup_at_nine(organiser) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    settings = await store.guilds.get_or_default(GUILD)
    assert schedule.due_slot(settings, clock.now()) is not None


async def test_catch_up_after_downtime_is_unchanged(
    organiser: Organiser, store: Store, clock: FakeClock
) -> None:
    """Set up on Monday evening; the bot is down at 09:00 on Tuesday and back at 11:00: it
    still posts Tuesday's question then."""
    clock.set(EVENING)
    await setup_at_nine(organiser)
    clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    settings = await store.guilds.get_or_default(GUILD)
    slot = schedule.due_slot(settings, clock.now())
    assert slot is not None and slot.post_at == TOMORROW_NINE


async def test_changing_only_the_reveal_keeps_todays_post_due(
    organiser: Organiser, store: Store, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await setup_at_nine(organiser)
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # past 09:00, the post not made yet
    result = await organiser.setup(
        GUILD, OLGA, channel_id=None, time=None, timezone=None, reveal="12h"
    )
    assert schedule.due_slot(result.settings, clock.now()) is not None
    audit = [e.action for e in await organiser.audit(GUILD)]
    assert "set starts_after" not in audit  # bookkeeping, not an organiser's change
