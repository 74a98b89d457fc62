"""Build hand-made daily histories in a store: posts, answers, reveals (as bot/daily/service.py
does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.daily.revealing import award
from bot.storage import Award, DailyPost, NewAnswer, Store

GUILD = 555
CHANNEL = 556
LONG = "Gate the rollout on offline metrics, then a canary with rollback."
_ids = iter(range(10_000, 10_000_000))


def at(local_date: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(local_date).replace(hour=hour, tzinfo=UTC)


async def post(store: Store, local_date: str, topic: str = "cicd", guild: int = GUILD) -> DailyPost:
    made, _ = await store.daily.claim(
        guild_id=guild,
        local_date=local_date,
        question_id=f"{topic}-{local_date}",
        topic=topic,
        channel_id=CHANNEL,
        nonce=f"n-{guild}-{local_date}",
        scheduled_for=at(local_date),
        reveal_at=at(local_date, 23),
        now=at(local_date),
    )
    await store.daily.mark_posted(made.id, made.id + 900_000, made.id + 900_000, at(local_date))
    found = await store.daily.by_id(made.id)
    assert found is not None
    return found


async def answer(store: Store, p: DailyPost, user: int, text: str = LONG, minute: int = 1) -> int:
    message_id = next(_ids)
    await store.answers.record(
        [
            NewAnswer(
                p.id,
                p.guild_id,
                user,
                message_id,
                p.thread_id or CHANNEL,
                text,
                at(p.local_date) + timedelta(minutes=minute),
            )
        ]
    )
    return message_id


async def reveal(store: Store, p: DailyPost) -> list[Award]:
    """The reveal's scoring steps, as bot/daily/revealing.py runs them."""
    now = at(p.local_date, 23)
    awards = await award(store, p, await store.answers.for_post(p.id), now)
    await store.daily.mark_revealed(p.id, now)
    return awards


async def day(
    store: Store, local_date: str, *users: int, topic: str = "cicd", guild: int = GUILD
) -> DailyPost:
    """A whole day: post, the given members answer in order, reveal."""
    p = await post(store, local_date, topic, guild)
    for minute, user in enumerate(users, start=1):
        await answer(store, p, user, minute=minute)
    await reveal(store, p)
    return p
