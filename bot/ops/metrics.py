"""Prometheus metrics: plain counters the core calls, and hooks the Discord side installs.

Counters are process-wide, like loggers: a service calls ``metrics.post_made()`` without a
handle passed down, and tests read differences (``value(...)`` before and after). Everything
is in one registry of our own, rendered by ``/metrics`` (bot/ops/health.py). Labels never carry a
token: routes are reduced to templates (``POST /channels/{id}/messages``).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from types import SimpleNamespace
from typing import Any

import aiohttp
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

GATEWAY_LATENCY = Gauge(
    "drillbot_gateway_latency_seconds",
    "Time between a gateway heartbeat and its acknowledgement",
    registry=REGISTRY,
)
EVENTS = Counter(
    "drillbot_gateway_events", "Gateway events handled, by type", ["event"], registry=REGISTRY
)
ANSWERS = Counter("drillbot_answers_stored", "Answers committed to the database", registry=REGISTRY)
POSTS = Counter(
    "drillbot_daily_posts", "Daily posts, by outcome (made, failed)", ["outcome"], registry=REGISTRY
)
REVEALS = Counter("drillbot_reveals", "Daily questions revealed", registry=REGISTRY)
HTTP_ERRORS = Counter(
    "drillbot_discord_http_errors",
    "Discord REST responses with status >= 400, by route and status",
    ["route", "status"],
    registry=REGISTRY,
)
RATE_LIMITS = Counter(
    "drillbot_discord_rate_limited", "Discord REST 429 responses, by route", ["route"],
    registry=REGISTRY,
)  # fmt: skip
BUILD = Gauge(
    "drillbot_build_info", "The running drillbot's version (always 1)", ["version"],
    registry=REGISTRY,
)  # fmt: skip
GUILDS = Gauge("drillbot_guilds", "Guilds this process serves", registry=REGISTRY)
READY = Gauge(
    "drillbot_ready",
    "1 when /readyz passes (gateway connected, database writable, scheduler running), else 0",
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "drillbot_command_seconds",
    "Slash command latency, from the interaction's arrival to the command's completion",
    ["command"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30),
    registry=REGISTRY,
)

# Every labelled series an alert may watch exists from the start at 0: an alert on
# `increase(drillbot_daily_posts_total{outcome="failed"}[1d]) > 0` needs a series to compare
# before the first failure, and absent() cannot tell "never failed" from "not scraped".
for _outcome in ("made", "failed"):
    POSTS.labels(_outcome)
# The gateway events drillbot acts on (the others appear with their first occurrence).
HANDLED_EVENTS = (
    "MESSAGE_CREATE",
    "MESSAGE_UPDATE",
    "MESSAGE_DELETE",
    "MESSAGE_REACTION_ADD",
    "INTERACTION_CREATE",
    "GUILD_CREATE",
    "THREAD_CREATE",
)
for _event in HANDLED_EVENTS:
    EVENTS.labels(_event)


def build_info(version: str) -> None:
    BUILD.labels(version).set(1)


# -- what the core calls -------------------------------------------------------------------


def answers_stored(count: int = 1) -> None:
    ANSWERS.inc(count)


def post_made() -> None:
    POSTS.labels("made").inc()


def post_failed() -> None:
    POSTS.labels("failed").inc()


def reveal_made() -> None:
    REVEALS.inc()


def render() -> bytes:
    return generate_latest(REGISTRY)


def value(name: str, labels: dict[str, str] | None = None) -> float:
    """A sample's current value (0 if never set): for tests and the status line."""
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


# -- what the Discord side installs --------------------------------------------------------

_SNOWFLAKE = re.compile(r"^\d{15,21}$")
_SECRET_AFTER = {"interactions", "webhooks"}  # /interactions/{id}/{token}, /webhooks/{id}/{token}


def route_of(method: str, path: str) -> str:
    """``POST /channels/{id}/messages`` for ``POST /api/v10/channels/1234.../messages``."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api" and parts[1].startswith("v"):
        parts = parts[2:]
    out: list[str] = []
    for i, part in enumerate(parts):
        if _SNOWFLAKE.match(part) or part.isdigit():
            out.append("{id}")
        elif i >= 2 and parts[i - 2] in _SECRET_AFTER:
            out.append("{token}")  # an interaction or webhook token: never a label
        elif len(part) > 32 or "%" in part:
            out.append("{x}")  # emoji, long names: bounded label values
        else:
            out.append(part)
    return f"{method.upper()} /" + "/".join(out)


def http_trace() -> aiohttp.TraceConfig:
    """For ``discord.Client(http_trace=...)``: count REST errors and 429s by route."""
    trace = aiohttp.TraceConfig()

    async def on_request_end(
        _session: aiohttp.ClientSession,
        _ctx: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status = params.response.status
        if status < 400:
            return
        route = route_of(params.method, params.url.path)
        HTTP_ERRORS.labels(route, str(status)).inc()
        if status == 429:
            RATE_LIMITS.labels(route).inc()

    trace.on_request_end.append(on_request_end)
    return trace


class CommandTimer:
    """Times slash commands from their INTERACTION_CREATE to their completion event."""

    MAX_OPEN = 10_000  # interactions that never complete (errors, buttons) are forgotten

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._started: OrderedDict[int, float] = OrderedDict()

    def arrived(self, interaction_id: int) -> None:
        self._started[interaction_id] = self.clock()
        while len(self._started) > self.MAX_OPEN:
            self._started.popitem(last=False)

    def completed(self, interaction_id: int, command: str) -> float | None:
        started = self._started.pop(interaction_id, None)
        if started is None:
            return None
        took = self.clock() - started
        COMMAND_SECONDS.labels(command).observe(took)
        return took


class _Counted:
    """A parser that counts its events; the label appears with the first one (discord.py
    knows ~70 event types, most never seen by drillbot)."""

    __slots__ = ("_child", "_name", "_parse")

    def __init__(self, name: str, parse: Callable[[Any], Any]) -> None:
        self._name, self._parse = name, parse
        self._child: Any = None  # the labelled counter, made on first use

    def __call__(self, data: Any) -> Any:
        if self._child is None:
            self._child = EVENTS.labels(self._name)
        self._child.inc()
        return self._parse(data)


def count_events(parsers: MutableMapping[str, Callable[[Any], Any]], timer: CommandTimer) -> None:
    """Wrap each gateway parser (discord.py's ConnectionState.parsers) to count its events;
    synchronous, so it adds no task per event. INTERACTION_CREATE also starts the timer."""
    for name, parse in list(parsers.items()):
        parsers[name] = _Counted(name, parse)
    interaction = parsers.get("INTERACTION_CREATE")
    if interaction is not None:

        def timed(data: Any, _parse: Any = interaction) -> Any:
            if isinstance(data, dict) and str(data.get("id", "")).isdigit():
                timer.arrived(int(data["id"]))
            return _parse(data)

        parsers["INTERACTION_CREATE"] = timed
