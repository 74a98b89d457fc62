"""Headless Chromium from Debian's package, driven by Playwright (whose own browser download
is not available here): a fresh profile per launch, no network but the test's own server."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("DRILLBOT_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}  # a common phone's CSS pixels


def why_not() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file() and shutil.which("chromium") is None:
        return f"Chromium is absent ({CHROMIUM}; apt-get install chromium)"
    return None


needs_chromium = pytest.mark.skipif(why_not() is not None, reason=why_not() or "")


@contextlib.asynccontextmanager
async def chromium(profile: Path, **context: Any) -> AsyncIterator[Any]:
    """A browser context on a fresh ``--user-data-dir`` (Playwright passes ``profile`` as it)."""
    from playwright.async_api import async_playwright

    executable = shutil.which(str(CHROMIUM)) or shutil.which("chromium") or str(CHROMIUM)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=ARGS, **context
        )
        try:
            yield browser
        finally:
            await browser.close()


class Console:
    """Every console error and uncaught page error of a page (CSP refusals show up here)."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "response",
            lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
