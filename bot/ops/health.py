"""The health and metrics server: /healthz, /readyz and /metrics over aiohttp.

- ``/healthz``: the process and its event loop answer (a container's HEALTHCHECK).
- ``/readyz``: every readiness check passes (gateway connected, database writable, scheduler
  running); 503 with the failing checks otherwise.
- ``/metrics``: Prometheus text format (bot/ops/metrics.py).

It binds 127.0.0.1:8080 by default; port 0 in the settings turns it off. Checks are plain
callables handed in by the runner, so this module knows nothing of Discord.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.ops import metrics

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
CHECK_SECONDS = 2.0


async def run_checks(checks: Mapping[str, Check]) -> dict[str, bool]:
    async def one(check: Check) -> bool:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                return await check()
        except Exception:  # a check that fails or hangs is simply "not ready"
            log.debug("readiness check failed", exc_info=True)
            return False

    results = await asyncio.gather(*(one(c) for c in checks.values()))
    return dict(zip(checks, results, strict=True))


class HealthServer:
    def __init__(
        self,
        host: str,
        port: int,
        checks: Mapping[str, Check],
        before_scrape: Callable[[], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.checks = dict(checks)
        self.before_scrape = before_scrape
        self._runner: web.AppRunner | None = None
        self.bound: tuple[str, int] | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        return app

    async def start(self) -> None:
        if self.port == 0:
            log.info("health server off (port 0)")
            return
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            host, port = sockets[0].getsockname()[:2]
            self.bound = (host, port)
        log.info("health and metrics on http://%s:%s/ (healthz, readyz, metrics)", *self.where)

    @property
    def where(self) -> tuple[str, int]:
        return self.bound or (self.host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, _request: web.Request) -> web.Response:
        results = await run_checks(self.checks)
        body = "".join(f"{name}: {'ok' if ok else 'FAIL'}\n" for name, ok in results.items())
        return web.Response(text=body, status=200 if all(results.values()) else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        if self.before_scrape is not None:
            self.before_scrape()
        # Readiness as a gauge, so an alert can watch it: the same checks /readyz runs.
        results = await run_checks(self.checks) if self.checks else {}
        metrics.READY.set(1 if results and all(results.values()) else 0)
        response = web.Response(body=metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response
