"""A lean open-loop HTTP/1.1 load client on raw asyncio sockets, for benchmarks/web.py.

Requests start on a fixed schedule (``rate`` a second), whatever the answers before them did,
so queueing shows in the latencies instead of slowing the offer (no coordinated omission).
Each request goes out on an idle keep-alive connection (a new one is opened when none is idle,
up to ``LIMIT``; past that it waits, its wait counted). The answer is read by Content-Length.
Nothing else: no HTTP library, no task per request, so the client's own cost stays near the
kernel's (the aiohttp client this replaces cost ~1 ms of CPU a request, and its p99 was the
client's, not the server's, on a shared 2-core machine: issue 29).

Each request's times are on CLOCK_MONOTONIC (``time.perf_counter`` on Linux: one clock for
every process), so the server can stamp when its handler began and ended (response header
``X-Timing: <start> <end>``) and the client splits a latency into: its own lateness in sending,
to the handler (the kernel and the server's loop queue), in the handler, and back.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from urllib.parse import urlsplit

LIMIT = 64  # connections at most
WARM = 4  # connections opened before the first request

# One record per request: (due, sent, handler start, handler end, done, status); the handler
# stamps are 0.0 when the answer had no X-Timing header.
Record = tuple[float, float, float, float, float, int]


class _Conn(asyncio.Protocol):
    def __init__(self, load: Load) -> None:
        self.load = load
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.due = 0.0
        self.sent = 0.0
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.load.dropped(self)

    def send(self, due: float, path: str) -> None:
        assert self.transport is not None
        self.due = due
        self.sent = time.perf_counter()
        self.transport.write(self.load.request(path))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        length = int(fields.get("content-length", "0"))
        if len(self.buf) < end + 4 + length:
            return
        done = time.perf_counter()
        del self.buf[: end + 4 + length]
        start, _, finish = fields.get("x-timing", "0 0").partition(" ")
        status = int(head[0].split(" ", 2)[1])
        self.load.finished(self, (self.due, self.sent, float(start), float(finish), done, status))


class Load:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.records: list[Record] = []
        self.idle: deque[_Conn] = deque()
        self.waiting: deque[tuple[float, str]] = deque()
        self.open = 0
        self.expected = 0
        self.all_done = asyncio.Event()

    def request(self, path: str) -> bytes:
        return f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nUser-Agent: httpload\r\n\r\n".encode()

    async def connect(self) -> None:
        self.open += 1
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(lambda: _Conn(self), self.host, self.port)
        self.idle.append(conn)
        self._next()

    def dropped(self, conn: _Conn) -> None:
        self.open -= 1
        if conn in self.idle:
            self.idle.remove(conn)

    def submit(self, due: float, path: str) -> None:
        self.waiting.append((due, path))
        self._next()
        if self.waiting and self.open < LIMIT:
            asyncio.get_running_loop().create_task(self.connect())

    def _next(self) -> None:
        while self.waiting and self.idle:
            conn = self.idle.popleft()
            if conn.lost:
                continue
            due, path = self.waiting.popleft()
            conn.send(due, path)

    def finished(self, conn: _Conn, record: Record) -> None:
        self.records.append(record)
        self.idle.append(conn)
        self._next()
        if len(self.records) >= self.expected:
            self.all_done.set()


async def run(urls: list[str], rate: float, seconds: float) -> list[Record]:
    """Offer ``rate`` requests a second for ``seconds``, cycling ``urls`` (one host)."""
    load = Load(urls[0])
    paths = [u[u.index("/", len("http://")) :] for u in urls]
    for _ in range(WARM):
        await load.connect()
    load.expected = len(paths)
    for path in paths:  # warm the server's caches; not counted
        load.submit(time.perf_counter(), path)
    await load.all_done.wait()
    load.records.clear()
    load.all_done.clear()
    count = int(rate * seconds)
    load.expected = count
    start = time.perf_counter() + 0.1
    for i in range(count):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        load.submit(due, paths[i % len(paths)])
    await asyncio.wait_for(load.all_done.wait(), timeout=60 + seconds)
    return load.records
