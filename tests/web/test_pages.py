"""The web board over HTTP: /drill web on is needed, a link shows the boards with the viewer
highlighted and names (never ids), the progress charts, the organiser's heatmap; a tampered,
rotated or switched-off link gets the plain 403; a hidden member never appears."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.bank import Bank
from bot.clock import FakeClock
from bot.errors import DrillError
from bot.storage import Store
from tests.leaderboard.history import GUILD
from tests.web.site import HIDDEN, NAMES, ORGANISER, VIEWER, Site, running_site


@pytest.fixture
async def site(store: Store, bank: Bank, clock: FakeClock) -> AsyncIterator[Site]:
    async with running_site(store, bank, clock) as running:
        yield running


async def get(url: str) -> tuple[int, str, dict[str, str]]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text(), dict(response.headers)


def rows(page: str) -> list[str]:
    """Member cells of the board's table, in order, tags stripped."""
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<th scope="row">(.*?)</th>', page)]


async def test_the_board_lists_members_by_name_with_the_viewer_highlighted(site: Site) -> None:
    status, page, headers = await get(await site.link() + "?period=all")
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
    assert rows(page)[:4] == ["Hal", "Ivy", "Jo", "Kim"]  # hidden Hank (12) is not there
    assert "Cy Viewer (you)" in rows(page)
    assert re.search(r'<tr class="me" aria-current="true"><td class="num">\d+</td>'
                     r'<th scope="row">Cy Viewer', page)  # fmt: skip
    assert "Dee &lt;b&gt;bold&lt;/b&gt; &amp; co" in page  # a name is text, never markup
    for user_id in NAMES:  # no raw id of a member anywhere on the page
        assert not re.search(rf"\b{1_000 + user_id}\b", page)
    assert "MLOps Study Group" in page and "Gaps" not in page  # a member link: no heatmap tab


async def test_every_period_and_a_topic_board(site: Site) -> None:
    link = await site.link()
    for period, title in (("week", "Week of 2026-03-02"), ("month", "Month 2026-03"),
                          ("season", "Before seasons"), ("all", "All time")):  # fmt: skip
        status, page, _ = await get(f"{link}?period={period}")
        assert status == 200 and f"<h1>{title}</h1>" in page, period
    # This week is Monday 2 March alone, when all twelve answered: eleven shown, ten a page.
    _, week, _ = await get(f"{link}?period=week")
    assert "Hidden Hank" not in week and len(rows(week)) == 10 and 'rel="next"' in week
    _, topic, _ = await get(f"{link}?period=all&topic=cicd")
    assert "<h1>CI/CD for ML · All time</h1>" in topic and '<option value="cicd" selected>' in topic
    _, unknown, _ = await get(f"{link}?period=nonsense&topic=%3Cscript%3E&page=-4")
    assert "<h1>Week of 2026-03-02</h1>" in unknown  # bad input falls back, never errors


async def test_the_board_pages_and_the_viewer_row_below_the_page(site: Site) -> None:
    link = await site.link(user_id=1)  # rank 11 of 11 visible: on the second page
    _, first, _ = await get(f"{link}?period=all")
    assert 'rel="next"' in first and rows(first)[-1] == "Ana Organiser (you)"
    assert '<tr class="gap">' in first
    _, second, _ = await get(f"{link}?period=all&page=1")
    assert rows(second) == ["Ana Organiser (you)"] and 'rel="prev"' in second


async def test_the_progress_page_draws_its_charts_as_svg(site: Site) -> None:
    _, page, _ = await get((await site.link()).rstrip("/") + "/me")
    assert "<h1>My progress · Cy Viewer</h1>" in page
    assert page.count("<svg") == 3 and "<img" not in page
    assert "Answers per week" in page and "Self-grades per topic" in page
    assert "Mock interview signals over time" in page and "Infrastructure" in page
    assert "<caption>Answers per week</caption>" in page


async def test_the_heatmap_is_for_organiser_links_only(site: Site) -> None:
    member = (await site.link()).rstrip("/")
    status, page, _ = await get(member + "/gaps")
    assert status == 403 and "This link is not valid" in page
    organiser = (await site.link(user_id=ORGANISER, organiser=True)).rstrip("/")
    status, page, _ = await get(organiser + "/gaps")
    assert status == 200 and "<h1>Gaps · the last 4 week(s)</h1>" in page
    assert '<svg class="chart heat"' in page and "Hidden Hank" not in page
    _, board, _ = await get(organiser + "/")
    assert '<a href="gaps">Gaps</a>' in board


async def test_tampered_rotated_expired_and_switched_off_links_get_a_plain_403(
    site: Site, clock: FakeClock
) -> None:
    link = await site.link()
    token = link.rstrip("/").rsplit("/", 1)[1]
    tampered = link.replace(token, token[:10] + ("A" if token[10] != "A" else "B") + token[11:])
    status, page, _ = await get(tampered)
    assert status == 403 and "Cy Viewer" not in page and "MLOps" not in page
    assert (await get(f"{site.base}/w/not-a-token/"))[0] == 403
    assert (await get(f"{site.base}/w/not-a-token"))[0] == 403

    await site.app.web.rotate(GUILD, ORGANISER)
    assert (await get(link))[0] == 403
    fresh = await site.link()
    assert (await get(fresh))[0] == 200

    clock.advance(timedelta(days=7))
    assert (await get(fresh))[0] == 403
    fresh = await site.link()
    await site.app.web.turn_off(GUILD, ORGANISER, "")
    assert (await get(fresh))[0] == 403
    with pytest.raises(DrillError, match="off"):
        await site.link()


async def test_a_link_without_its_slash_is_redirected_and_the_css_is_served(site: Site) -> None:
    link = await site.link()
    status, page, _ = await get(link.rstrip("/"))
    assert status == 200 and "<table>" in page
    status, css, headers = await get(f"{site.base}/web.css")
    assert status == 200 and "prefers-color-scheme:dark" in css
    assert headers["Content-Type"].startswith("text/css")


async def test_a_member_who_hides_is_gone_from_the_next_page_cached_or_not(
    site: Site, store: Store
) -> None:
    link = await site.link()
    assert "Kim" in rows((await get(link + "?period=all"))[1])  # the board is cached now
    await store.boards.set_hidden(GUILD, 11, True, site.app.clock.now())
    assert "Kim" not in rows((await get(link + "?period=all"))[1])
    _, kims, _ = await get(await site.link(user_id=11) + "?period=all")
    assert "Kim" not in rows(kims) and "You are hidden from the boards" in kims


async def test_a_hidden_member_sees_the_board_without_their_row(site: Site) -> None:
    _, page, _ = await get(await site.link(user_id=HIDDEN))
    assert "Hidden Hank" not in page and "You are hidden from the boards" in page
    assert 'class="me"' not in page


async def test_forget_me_removes_the_display_name(site: Site, store: Store) -> None:
    request = await store.boards.request_forget(GUILD, VIEWER, site.app.clock.now())
    deleted = await store.boards.forget(request, VIEWER, site.app.clock.now())
    assert deleted is not None and deleted["member_names"] == 1
    assert await store.web.names(GUILD, [VIEWER]) == {}
