"""Discord-style rate limits and injected faults (all off unless a test switches them on)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from dataclasses import dataclass, field

# (method, route template) -> (limit, window seconds); everything else gets DEFAULT.
ROUTE_LIMITS: dict[tuple[str, str], tuple[int, float]] = {
    ("POST", "/channels/{channel_id}/messages"): (5, 5.0),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): (5, 5.0),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"): (5, 1.0),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): (10, 10.0),
    ("POST", "/channels/{channel_id}/threads"): (10, 10.0),
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"): (1, 0.25),
}
DEFAULT_LIMIT = (50, 1.0)
GLOBAL_LIMIT = (50, 1.0)
MAJOR_PARAMS = ("channel_id", "guild_id", "webhook_token", "interaction_token")


@dataclass
class Bucket:
    limit: int
    window: float
    remaining: int
    reset_at: float

    def refresh(self, now: float) -> None:
        if now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = now + self.window


@dataclass
class Verdict:
    """What the limiter says about one request: headers always, a 429 body when limited."""

    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    is_global: bool = False


@dataclass
class Fault:
    match: str
    times: int
    status: int = 500
    retry_after: float = 0.0
    global_: bool = False


def bucket_hash(method: str, template: str) -> str:
    return hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]


class RateLimiter:
    def __init__(self) -> None:
        self.enabled = False
        self.buckets: dict[tuple[str, str, str], Bucket] = {}
        self.global_bucket = Bucket(GLOBAL_LIMIT[0], GLOBAL_LIMIT[1], GLOBAL_LIMIT[0], 0.0)
        self.limited: list[tuple[str, str]] = []
        self.overrides: dict[tuple[str, str], tuple[int, float]] = {}

    def check(self, method: str, template: str, params: dict[str, str]) -> Verdict:
        if not self.enabled:
            return Verdict()
        now = time.monotonic()
        is_callback = template.startswith("/interactions/")
        if not is_callback:
            self.global_bucket.refresh(now)
            if self.global_bucket.remaining <= 0:
                retry = max(self.global_bucket.reset_at - now, 0.001)
                self.limited.append((method, template))
                return Verdict(
                    headers={"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
                    retry_after=retry,
                    is_global=True,
                )
            self.global_bucket.remaining -= 1
        major = next((params[p] for p in MAJOR_PARAMS if p in params), "")
        route = (method, template)
        limit, window = self.overrides.get(route) or ROUTE_LIMITS.get(route, DEFAULT_LIMIT)
        key = (method, template, major)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(limit, window, limit, now + window)
        bucket.refresh(now)
        reset_after = max(bucket.reset_at - now, 0.0)
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(method, template),
        }
        if bucket.remaining <= 0:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            self.limited.append((method, template))
            return Verdict(headers=headers, retry_after=max(reset_after, 0.001))
        bucket.remaining -= 1
        headers["X-RateLimit-Remaining"] = str(bucket.remaining)
        return Verdict(headers=headers)


@dataclass
class Hold:
    """Requests to a route wait here (Discord sitting on a call) until released, or until
    ``seconds`` pass. ``waiting`` is how many are held right now, ``held`` how many ever were."""

    match: str
    seconds: float | None = None
    released: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0
    held: int = 0

    def release(self) -> None:
        self.released.set()

    async def wait(self) -> None:
        self.waiting += 1
        self.held += 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.released.wait(), self.seconds)
        finally:
            self.waiting -= 1


class Faults:
    """One-off failures, forced 429s, slow and held routes, matched by substring of
    'METHOD /path'."""

    def __init__(self) -> None:
        self.failures: list[Fault] = []
        self.failures_after: list[Fault] = []  # carried out, then answered with an error
        self.forced_429: list[Fault] = []
        self.delays: dict[str, float] = {}
        self.holds: list[Hold] = []

    async def hold(self, target: str) -> None:
        for hold in [h for h in self.holds if h.match in target and not h.released.is_set()]:
            await hold.wait()

    @staticmethod
    def _take(faults: list[Fault], target: str) -> Fault | None:
        for fault in faults:
            if fault.match in target and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    faults.remove(fault)
                return fault
        return None

    def failure(self, target: str) -> Fault | None:
        return self._take(self.failures, target)

    def failure_after(self, target: str) -> Fault | None:
        return self._take(self.failures_after, target)

    def rate_limit(self, target: str) -> Fault | None:
        return self._take(self.forced_429, target)

    def delay(self, target: str) -> float:
        return max((s for m, s in self.delays.items() if m in target), default=0.0)
