"""The web board in a real browser (headless Chromium): each page renders with the expected
rows and no console error, in light and dark; tampered and rotated links are refused with the
plain 403 page; a hidden member is absent; the pages work at a phone's width.

Set DRILLBOT_SCREENSHOTS=DIR to keep a PNG of each page (light and dark, desktop and phone)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.bank import Bank
from bot.clock import FakeClock
from bot.storage import Store, open_store
from tests.leaderboard.history import GUILD
from tests.web.browser import PHONE, Console, chromium, needs_chromium
from tests.web.site import HIDDEN, NAMES, ORGANISER, VIEWER, Site, running_site

pytestmark = [needs_chromium, pytest.mark.timeout(240)]
SHOTS = os.environ.get("DRILLBOT_SCREENSHOTS")
FITS = "[...document.querySelectorAll('.scroll')].every(e => e.scrollWidth <= e.clientWidth)"


@pytest.fixture
async def site(tmp_path: Path, bank: Bank, clock: FakeClock) -> AsyncIterator[Site]:
    # The pages, not the backend, are under test here: SQLite only.
    store: Store = await open_store(tmp_path / "web.sqlite3")
    try:
        async with running_site(store, bank, clock) as running:
            yield running
    finally:
        await store.close()


async def shot(page: Any, name: str) -> None:
    if SHOTS:  # Playwright makes the folder
        await page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


async def member_cells(page: Any) -> list[str]:
    return [t.strip() for t in await page.locator("tbody th[scope=row]").all_inner_texts()]


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_every_page_renders_its_rows_without_console_errors(
    site: Site, tmp_path: Path, scheme: str
) -> None:
    link = await site.link(user_id=VIEWER, organiser=True)  # the viewer organises too
    async with chromium(tmp_path / "profile", color_scheme=scheme) as browser:
        page = await browser.new_page()
        console = Console(page)
        response = await page.goto(link + "?period=all")
        assert response is not None and response.status == 200
        cells = await member_cells(page)
        assert cells[:4] == ["Hal", "Ivy", "Jo", "Kim"] and "Cy Viewer (you)" in cells
        assert "Dee <b>bold</b> & co" in cells  # shown as text
        assert await page.locator("tr.me").count() == 1
        assert await page.locator("table caption").count() == 1
        await shot(page, f"board-{scheme}")

        await page.get_by_role("link", name="Week", exact=True).click()
        assert await page.locator("h1").inner_text() == "Week of 2026-03-02"
        await page.select_option("#topic", "cicd")
        await page.get_by_role("button", name="Show").click()
        assert (await page.locator("h1").inner_text()).startswith("CI/CD for ML · Week")

        await page.get_by_role("link", name="My progress").click()
        assert await page.locator("svg.chart").count() == 3
        assert await page.locator("svg.chart rect.s0").count() > 0
        await shot(page, f"progress-{scheme}")

        await page.get_by_role("link", name="Gaps").click()
        assert await page.locator("svg.heat rect.cell").count() > 0
        await shot(page, f"gaps-{scheme}")

        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(13, 17, 23)")
        assert console.errors == [], "\n".join(console.errors)


async def test_tampered_and_rotated_links_are_refused_and_a_hidden_member_is_absent(
    site: Site, tmp_path: Path
) -> None:
    link = await site.link()
    token = link.rstrip("/").rsplit("/", 1)[1]
    tampered = link.replace(token, token[:20] + ("A" if token[20] != "A" else "B") + token[21:])
    async with chromium(tmp_path / "profile") as browser:
        page = await browser.new_page()
        response = await page.goto(tampered)
        assert response is not None and response.status == 403
        assert await page.locator("h1").inner_text() == "This link is not valid"
        assert await page.locator("table").count() == 0
        await shot(page, "refused")

        for period in ("week", "month", "season", "all"):
            await page.goto(f"{link}?period={period}")
            assert NAMES[HIDDEN] not in await page.content()
        hidden = await page.goto(await site.link(user_id=HIDDEN))
        assert hidden is not None and hidden.status == 200
        assert NAMES[HIDDEN] not in await page.content()
        assert await page.locator("tr.me").count() == 0

        await site.app.web.rotate(GUILD, ORGANISER)
        response = await page.goto(link)
        assert response is not None and response.status == 403


async def test_the_pages_are_usable_at_a_phone_width(site: Site, tmp_path: Path) -> None:
    link = await site.link(user_id=VIEWER, organiser=True)
    async with chromium(tmp_path / "profile", viewport=PHONE, is_mobile=True, has_touch=True) as b:
        page = await b.new_page()
        console = Console(page)
        for path, name in (("?period=all", "board"), ("me", "progress"), ("gaps", "gaps")):
            await page.goto(link + path)
            # Nothing wider than the screen: no sideways scrolling of the whole page.
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide"
            if name == "board":  # and the board's five columns fit without scrolling
                assert await page.evaluate(FITS)
            await shot(page, f"{name}-phone")
        await page.goto(link)
        await page.get_by_role("link", name="All time").tap()
        assert await page.locator("h1").inner_text() == "All time"
        box = await page.locator("nav.periods a").first.bounding_box()
        assert box is not None and box["height"] >= 24  # big enough to tap
        assert console.errors == [], "\n".join(console.errors)
