"""The web board's aiohttp server: three pages per link, one stylesheet, a plain 403.

Routes: ``/w/{token}/`` (boards), ``/w/{token}/me`` (the member's progress),
``/w/{token}/gaps`` (organiser links only), ``/web.css``. Whatever is wrong with a link
(malformed, tampered, expired, rotated, board off, member page asked with a member link),
the answer is the same plain 403, so a guesser learns nothing. Pages are never cached and
never send a referrer; the content security policy allows no script at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.errors import DrillError
from bot.web import pages
from bot.web.service import Viewer, WebBoards
from bot.web.signing import TOKEN_CHARS, BadLink
from bot.web.style import CSS

log = logging.getLogger(__name__)

POLICY = (
    "default-src 'none'; style-src 'self'; img-src data:; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'"
)
PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": POLICY,
}
TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_CHARS}}}")
Page = Callable[[web.Request, Viewer], Awaitable[str]]


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=PRIVATE
    )


class WebServer:
    def __init__(self, boards: WebBoards, host: str, port: int) -> None:
        self.boards = boards
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self.bound: tuple[str, int] | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/web.css", self._css)
        app.router.add_get("/w/{token}", self._slash)
        app.router.add_get("/w/{token}/", self._page(self._board))
        app.router.add_get("/w/{token}/me", self._page(self._progress))
        app.router.add_get("/w/{token}/gaps", self._page(self._gaps))
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self.close()
            raise
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.bound = (sockets[0].getsockname()[0], sockets[0].getsockname()[1])
        log.info("web board on http://%s:%s/", *(self.bound or (self.host, self.port)))

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- handlers ---------------------------------------------------------------------------
    async def _css(self, _request: web.Request) -> web.Response:
        return web.Response(
            text=CSS,
            content_type="text/css",
            charset="utf-8",
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    async def _slash(self, request: web.Request) -> web.Response:
        if not TOKEN.fullmatch(request.match_info["token"]):
            return _html(pages.REFUSED, 403)
        query = f"?{request.query_string}" if request.query_string else ""
        raise web.HTTPFound(f"{request.match_info['token']}/{query}", headers=PRIVATE)

    def _page(self, render: Page) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            try:
                viewer = await self.boards.admit(request.match_info["token"])
                return _html(await render(request, viewer))
            except BadLink as exc:
                log.debug("web link refused: %s", exc)
                return _html(pages.REFUSED, 403)

        return handler

    async def _board(self, request: web.Request, viewer: Viewer) -> str:
        query = request.query
        try:
            page = max(0, min(int(query.get("page", "0")), 1000))
        except ValueError:
            page = 0
        topic = query.get("topic") or None
        try:
            data = await self.boards.board(viewer, query.get("period", "week"), topic, page)
        except DrillError:  # a page past the end, a stale topic: the first page instead
            data = await self.boards.board(viewer, "week", None, 0)
        return pages.board_page(viewer, data)

    async def _progress(self, _request: web.Request, viewer: Viewer) -> str:
        return pages.progress_page(viewer, await self.boards.progress(viewer))

    async def _gaps(self, _request: web.Request, viewer: Viewer) -> str:
        report, names = await self.boards.gaps(viewer)
        return pages.gaps_page(viewer, report, names)
