"""How the web board reads (issue 29's benchmark): pages read through a read-only connection of
their own, never the answer writer's; a board's shared parts are read once however many pages
ask, and served a little stale while one read refreshes them; turning the board off or rotating
its secret is never undone by a read that was under way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError

from bot.bank import Bank
from bot.clock import FakeClock
from bot.storage import Store
from bot.storage.reader import ReadOnly, SqliteReader
from bot.storage.schema import member_names
from bot.web import service
from bot.web.service import FRESH, STALE, Viewer
from bot.web.signing import BadLink
from tests.leaderboard.history import GUILD
from tests.web.site import NAMES, ORGANISER, VIEWER, Site, running_site


@pytest.fixture
async def site(store: Store, bank: Bank, clock: FakeClock) -> AsyncIterator[Site]:
    async with running_site(store, bank, clock) as running:
        yield running


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The cache's clock, moved by hand (asyncio's own clock is left alone)."""
    moment = [1000.0]
    monkeypatch.setattr(service, "monotonic", lambda: moment[0])
    return moment


async def viewer(site: Site) -> Viewer:
    link = await site.link()
    return await site.app.web.admit(link.rstrip("/").rsplit("/", 1)[1])


class Gate:
    """Wraps a read: counts the calls, and holds each until opened."""

    def __init__(self, read: Any) -> None:
        self.read = read
        self.calls = 0
        self.open = asyncio.Event()
        self.open.set()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        await self.open.wait()
        return await self.read(*args, **kwargs)


async def test_pages_read_through_a_read_only_connection_of_their_own(
    site: Site, store: Store
) -> None:
    reads = site.app.web.reads
    if not isinstance(reads.db, SqliteReader):
        assert reads is store  # PostgreSQL's pool (or an in-memory SQLite) reads side by side
        return
    assert reads is not store and site.app.web.leaderboard.store is reads
    with pytest.raises(OperationalError, match="readonly database"):  # reader connections
        await reads.db.fetchall(delete(member_names))
    with pytest.raises(ReadOnly, match="read-only"):
        await reads.web.set_guild_name(GUILD, "Renamed")
    # A write the store commits is there for the very next read.
    await store.web.set_guild_name(GUILD, "Renamed")
    assert (await reads.web.access(GUILD)).guild_name == "Renamed"  # type: ignore[union-attr]
    assert len(await reads.web.names(GUILD, list(NAMES))) == len(NAMES)


async def test_two_pages_at_once_read_a_board_once(site: Site, now: list[float]) -> None:
    web = site.app.web
    me = await viewer(site)
    gate = Gate(web.leaderboard.board)
    web.leaderboard.board = gate  # type: ignore[method-assign]
    gate.open.clear()
    first = asyncio.create_task(web.board(me, "all", None, 0))
    second = asyncio.create_task(web.board(me, "all", None, 0))
    await asyncio.sleep(0.05)
    assert gate.calls == 1 and not first.done() and not second.done()
    gate.open.set()
    one, two = await asyncio.gather(first, second)
    assert one.board.rows == two.board.rows and len(one.board.rows) == 10
    await web.board(me, "all", None, 0)
    assert gate.calls == 1  # kept


async def test_a_stale_board_is_served_while_one_read_refreshes_it(
    site: Site, store: Store, now: list[float]
) -> None:
    web = site.app.web
    me = await viewer(site)
    gate = Gate(web.leaderboard.board)
    web.leaderboard.board = gate  # type: ignore[method-assign]
    before = await web.board(me, "all", None, 0)
    assert gate.calls == 1

    now[0] += FRESH + 0.1
    gate.open.clear()  # the refresh is slow: pages do not wait for it
    pages = await asyncio.gather(*(web.board(me, "all", None, 0) for _ in range(3)))
    assert all(p.board.rows == before.board.rows for p in pages)
    await asyncio.sleep(0.01)
    assert gate.calls == 2  # one refresh for the three
    # Who is hidden is read on every page, stale board or not.
    await store.boards.set_hidden(GUILD, 11, True, site.app.clock.now())
    page = await web.board(me, "all", None, 0)
    assert 11 not in {r.user_id for r in page.board.rows}
    gate.open.set()
    await asyncio.sleep(0.05)
    assert gate.calls == 2

    now[0] += STALE + 0.1  # too old to serve: the page waits for a fresh read
    gate.open.clear()
    waiting = asyncio.create_task(web.board(me, "all", None, 0))
    await asyncio.sleep(0.05)
    assert not waiting.done() and gate.calls == 3
    gate.open.set()
    assert 11 not in {r.user_id for r in (await waiting).board.rows}


@pytest.mark.parametrize("change", ["off", "rotate"])
async def test_a_switch_read_under_way_does_not_outlive_off_or_rotate(
    site: Site, now: list[float], change: str
) -> None:
    web = site.app.web
    token = (await site.link()).rstrip("/").rsplit("/", 1)[1]
    now[0] += FRESH + 0.1  # the switch is read again on the next page
    gate = Gate(web.store.web.access)
    web.store.web.access = gate  # type: ignore[method-assign]
    gate.open.clear()
    under_way = asyncio.create_task(web.admit(token))  # began before the change
    await asyncio.sleep(0.01)
    if change == "off":
        await web.turn_off(GUILD, ORGANISER, "")
    else:
        await web.rotate(GUILD, ORGANISER)
    gate.open.set()
    with pytest.raises(BadLink):  # the next page reads the switch afresh, at once
        await web.admit(token)
    await asyncio.gather(under_way, return_exceptions=True)
    with pytest.raises(BadLink):  # and what the earlier read found was not kept
        await web.admit(token)
    assert gate.calls == 2  # the read begun before the change, and one after it


async def test_closing_waits_for_a_read_under_way(site: Site, now: list[float]) -> None:
    web = site.app.web
    me = await viewer(site)
    gate = Gate(web.leaderboard.board)
    web.leaderboard.board = gate  # type: ignore[method-assign]
    gate.open.clear()
    page = asyncio.create_task(web.board(me, "week", None, 0))
    await asyncio.sleep(0.01)
    closing = asyncio.create_task(web.close())
    await asyncio.sleep(0.01)
    assert not closing.done()
    gate.open.set()
    await closing
    assert len((await page).board.rows) == 10


async def test_a_cached_page_awaits_no_read_but_who_is_hidden(
    site: Site, store: Store, now: list[float]
) -> None:
    """Once a board's parts are kept, a page runs one read, by primary key: who is hidden.
    Every read that goes through SQLAlchemy's async engine (a reader thread) is counted."""
    web = site.app.web
    me = await viewer(site)
    await web.board(me, "all", None, 0)  # fills the parts every viewer shares
    threaded: list[Any] = []
    for backend in {id(store.db): store.db, id(web.reads.db): web.reads.db}.values():
        read = backend.fetchall

        async def counted(stmt: Any, params: Any = None, read: Any = read) -> Any:
            threaded.append(stmt)
            return await read(stmt, params)

        backend.fetchall = counted  # type: ignore[method-assign]
    page = await web.board(me, "all", None, 0)
    assert threaded == [] and 11 in {r.user_id for r in page.board.rows}
    await store.boards.set_hidden(GUILD, 11, True, site.app.clock.now())
    page = await web.board(me, "all", None, 0)  # hidden at once, still no threaded read
    assert threaded == [] and 11 not in {r.user_id for r in page.board.rows}


async def test_a_guild_with_many_hidden_members_is_asked_about_the_page_only(
    site: Site, store: Store
) -> None:
    from bot.storage.web import HIDDEN_INLINE

    when = site.app.clock.now()
    await asyncio.gather(
        *(store.boards.set_hidden(GUILD, 10**6 + k, True, when) for k in range(HIDDEN_INLINE))
    )
    await store.boards.set_hidden(GUILD, 11, True, when)
    # 258 hidden: the inline read stops at 257 (in key order), so the last is asked directly.
    last = 10**6 + HIDDEN_INLINE - 1
    assert await store.web.hidden(GUILD, [2, 11, 12, last]) == {11, 12, last}
    me = await viewer(site)
    page = await site.app.web.board(me, "all", None, 0)
    assert {11, 12}.isdisjoint(r.user_id for r in page.board.rows) and page.board.rows


async def test_a_name_seen_since_the_board_was_kept_shows_at_once(
    site: Site, now: list[float]
) -> None:
    web = site.app.web
    me = await viewer(site)
    before = await web.board(me, "all", None, 0)
    assert before.names[11] == NAMES[11] and before.names[VIEWER] == NAMES[VIEWER]
    web.names.seen(GUILD, 11, "Kim Renamed")
    web.names.seen(GUILD, VIEWER, "Cy Renamed")
    after = await web.board(me, "all", None, 0)
    assert after.names[11] == "Kim Renamed" and after.names[VIEWER] == "Cy Renamed"
    assert before.names[11] == NAMES[11]  # the kept page's names were not changed in place
