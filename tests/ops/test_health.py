"""The health and metrics server: /healthz, /readyz, /metrics; routes never carry a token."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from bot.ops import metrics
from bot.ops.health import HealthServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def ok() -> bool:
    return True


async def down() -> bool:
    return False


async def broken() -> bool:
    raise RuntimeError("database is locked")


async def hangs() -> bool:
    await asyncio.Event().wait()
    return True


async def get(port: int, path: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, response.headers["Content-Type"], await response.text()


async def test_healthz_and_readyz_when_everything_is_up() -> None:
    port = free_port()
    server = HealthServer("127.0.0.1", port, {"gateway": ok, "database": ok, "scheduler": ok})
    await server.start()
    try:
        assert (await get(port, "/healthz"))[::2] == (200, "ok\n")
        status, _, body = await get(port, "/readyz")
        assert status == 200
        assert body == "gateway: ok\ndatabase: ok\nscheduler: ok\n"
    finally:
        await server.close()


async def test_readyz_is_503_naming_each_failing_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.ops.health.CHECK_SECONDS", 0.2)
    port = free_port()
    checks = {"gateway": down, "database": broken, "scheduler": hangs, "other": ok}
    server = HealthServer("127.0.0.1", port, checks)
    await server.start()
    try:
        status, _, body = await get(port, "/readyz")
        assert status == 503
        assert body == "gateway: FAIL\ndatabase: FAIL\nscheduler: FAIL\nother: ok\n"
        assert (await get(port, "/healthz"))[0] == 200  # alive, though not ready
    finally:
        await server.close()


async def test_metrics_in_prometheus_format() -> None:
    port = free_port()
    scraped: list[bool] = []
    server = HealthServer("127.0.0.1", port, {}, before_scrape=lambda: scraped.append(True))
    await server.start()
    before = metrics.value("drillbot_daily_posts_total", {"outcome": "made"})
    metrics.post_made()
    try:
        status, content_type, body = await get(port, "/metrics")
    finally:
        await server.close()
    assert status == 200 and content_type.startswith("text/plain; version=")
    assert f'drillbot_daily_posts_total{{outcome="made"}} {before + 1}' in body
    for name in ("drillbot_gateway_latency_seconds", "drillbot_answers_stored_total",
                 "drillbot_reveals_total", "drillbot_command_seconds"):  # fmt: skip
        assert f"\n{name}" in body or f"# TYPE {name} " in body, name
    assert scraped == [True]


async def test_port_zero_turns_the_server_off() -> None:
    server = HealthServer("127.0.0.1", 0, {"gateway": ok})
    await server.start()
    assert server.bound is None
    await server.close()


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("post", "/api/v10/channels/1234567890123456789/messages", "POST /channels/{id}/messages"),
        (
            "POST",
            "/api/v10/interactions/1234567890123456789/aW50ZXJhY3Rpb246c2VjcmV0/callback",
            "POST /interactions/{id}/{token}/callback",
        ),
        (
            "PATCH",
            "/api/v10/webhooks/1234567890123456789/aW50ZXJhY3Rpb246c2VjcmV0/messages/@original",
            "PATCH /webhooks/{id}/{token}/messages/@original",
        ),
        ("GET", "/api/v10/gateway", "GET /gateway"),
    ],
)
def test_routes_are_templates_without_ids_or_tokens(method: str, path: str, route: str) -> None:
    assert metrics.route_of(method, path) == route


def test_command_timer_observes_and_forgets() -> None:
    now = [100.0]
    timer = metrics.CommandTimer(clock=lambda: now[0])
    before = metrics.value("drillbot_command_seconds_count", {"command": "quiz"})
    timer.arrived(1)
    now[0] += 0.25
    assert timer.completed(1, "quiz") == 0.25
    assert timer.completed(1, "quiz") is None  # once
    assert metrics.value("drillbot_command_seconds_count", {"command": "quiz"}) == before + 1


def test_event_counting_wraps_every_parser() -> None:
    seen: list[object] = []
    parsers = {"MESSAGE_CREATE": seen.append, "INTERACTION_CREATE": seen.append}
    timer = metrics.CommandTimer()
    before = metrics.value("drillbot_gateway_events_total", {"event": "MESSAGE_CREATE"})
    metrics.count_events(parsers, timer)
    parsers["MESSAGE_CREATE"]({"id": "1"})
    parsers["INTERACTION_CREATE"]({"id": "77"})
    assert seen == [{"id": "1"}, {"id": "77"}]
    assert metrics.value("drillbot_gateway_events_total", {"event": "MESSAGE_CREATE"}) == before + 1
    assert timer.completed(77, "drill setup") is not None
