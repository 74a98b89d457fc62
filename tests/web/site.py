"""A guild with a history, its web board on, and the board served on 127.0.0.1 (port 0):
what the page tests and the browser tests look at.

Member k answers on the last k of eight days (8 and up on all eight: all-time ranks run
8, 9, 10, 11, 7, 6, ... 1, as the first-answer bonus falls); member 12 is hidden from the
boards; member 3 is the viewer; member 1 the organiser. Names come in as the glue would
hand them (one has markup in it).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.app import App, build_app
from bot.bank import Bank
from bot.clock import FakeClock
from bot.ops.config import Settings
from bot.storage import SrsCard, Store
from bot.storage.mock import NewItem
from bot.web.server import WebServer
from tests.leaderboard.history import GUILD, at, day
from tests.support.backends import db_settings
from tests.support.sql import sql

DATES = [f"2026-02-{d}" for d in range(23, 29)] + ["2026-03-01", "2026-03-02"]
NAMES = {
    1: "Ana Organiser",
    2: "Ben",
    3: "Cy Viewer",
    4: "Dee <b>bold</b> & co",
    5: "Eve",
    6: "Fay",
    7: "Gus",
    8: "Hal",
    9: "Ivy",
    10: "Jo",
    11: "Kim",
    12: "Hidden Hank",
}
HIDDEN = 12
VIEWER = 3
ORGANISER = 1
GUILD_NAME = "MLOps Study Group"


@dataclass
class Site:
    app: App
    server: WebServer
    base: str

    async def link(self, user_id: int = VIEWER, organiser: bool = False) -> str:
        return (await self.app.web.link(GUILD, user_id, organiser, GUILD_NAME)).url


async def seed(store: Store, clock: FakeClock) -> None:
    for n, local in enumerate(DATES):
        await day(store, local, *[u for u in NAMES if n >= len(DATES) - u])
    await store.boards.set_hidden(GUILD, HIDDEN, True, at("2026-03-02"))
    for question_id, grade in (("cicd-001", 3), ("cicd-002", 4), ("python-001", 2)):
        await practise(store, VIEWER, question_id, grade)
    for week, ratings in enumerate(
        ({"infrastructure": 2, "cost": 1}, {"infrastructure": 3, "cost": 3})
    ):
        await mock_round(store, VIEWER, clock.now() - timedelta(days=14 - 7 * week), ratings)


async def practise(store: Store, user: int, question_id: str, grade: int) -> None:
    now = at("2026-03-01", 12)
    session = await store.practice.open_session(
        guild_id=GUILD, user_id=user, question_id=question_id, question_version="1",
        mode="quiz", now=now,
    )  # fmt: skip
    await store.practice.record_answer(session.id, guild_id=GUILD, user_id=user, text="x", now=now)
    await store.practice.grade(
        session.id, grade, SrsCard(user, question_id, "{}", now, grade, 1), now
    )


async def mock_round(store: Store, user: int, when: datetime, ratings: dict[str, int]) -> None:
    """A finished, self-rated system-design round (the states MockService walks through)."""
    session = await store.mock.create(
        guild_id=GUILD, user_id=user, round_="system-design",
        items=[NewItem("design-001", 600, ())], now=when, expires_at=when + timedelta(hours=2),
    )  # fmt: skip
    await store.db.execute(
        *sql("UPDATE mock_sessions SET state = 'rating' WHERE id = ?", (session.id,))
    )
    assert await store.mock.finish(session.id, ratings, "self", when)


@contextlib.asynccontextmanager
async def running_site(store: Store, bank: Bank, clock: FakeClock) -> AsyncIterator[Site]:
    await seed(store, clock)
    app = await build_app(Settings(**db_settings(store)), clock, bank=bank, store=store)
    server = WebServer(app.web, "127.0.0.1", 0)
    try:
        await server.start()
        assert server.bound is not None
        base = f"http://127.0.0.1:{server.bound[1]}"
        app.web.base_url = base  # the port is known once bound
        await app.web.turn_on(GUILD, ORGANISER, GUILD_NAME)
        for user_id, name in NAMES.items():
            app.names.seen(GUILD, user_id, name)
        await app.names.flush()
        yield Site(app, server, base)
    finally:
        await server.close()
        await app.close()
