"""/drill export's core: what it leaves out (unrevealed blind answers, hidden members unless a
logged raw audit), cells a spreadsheet cannot run, a file built off the event loop, and a
refusal with a way out above the upload limit (issue 23, items 5-7)."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import random
import re
import string
import threading
import time
from typing import Any

import pytest

from bot.boards import export
from bot.boards.export import _FORMULA, Export, export_csv
from bot.errors import DrillError
from bot.storage import NewAnswer, Store
from tests.leaderboard.history import CHANNEL, GUILD, answer, at, post, reveal
from tests.support.sql import sql

ANA, BEN, CY = 1, 2, 3
NOW = at("2026-03-05")


def read(made: Export) -> list[dict[str, str]]:
    data = made.path.read_bytes()
    if made.filename.endswith(".gz"):
        data = gzip.decompress(data)
    made.discard()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


async def test_unrevealed_blind_answers_and_hidden_members_stay_out_unless_a_raw_audit(
    store: Store,
) -> None:
    p = await post(store, "2026-03-02")
    await answer(store, p, ANA, "Ana's visible answer, long enough to count for points.")
    await answer(store, p, BEN, "Ben hid himself from the boards, and from the export.")
    await reveal(store, p)
    await store.boards.set_hidden(GUILD, BEN, True, at("2026-03-03"))
    blind, _ = await store.daily.claim(
        guild_id=GUILD, local_date="2026-03-04", question_id="q", topic="cicd",
        channel_id=CHANNEL, nonce="b", scheduled_for=at("2026-03-04"),
        reveal_at=at("2026-03-04", 23), now=at("2026-03-04"), mode="blind",
    )  # fmt: skip
    await store.blind.submit(blind.id, GUILD, CY, "A blind answer nobody may see yet.", NOW)

    events = read(await export_csv(store, GUILD, "2026-03-05"))
    assert {e["user_id"] for e in events} == {str(ANA)}
    assert all("blind answer" not in e["content"] for e in events)

    with pytest.raises(DrillError, match="needs a reason"):
        await export_csv(store, GUILD, "2026-03-05", raw_reason="  ", organiser_id=9, now=NOW)
    raw = read(
        await export_csv(
            store, GUILD, "2026-03-05", raw_reason="GDPR request #12", organiser_id=9, now=NOW
        )
    )
    assert {e["user_id"] for e in raw} == {str(ANA), str(BEN)}  # hidden Ben, on a reason
    assert all("blind answer" not in e["content"] for e in raw)  # never before the reveal
    audit = await store.db.fetchall(
        *sql("SELECT user_id, new_value FROM audit_log WHERE action = 'export.raw'", ())
    )
    assert [tuple(r) for r in audit] == [(9, "GDPR request #12")]


HOSTILE_CELLS = [
    "ok\r=cmd|' /C calc'!A0",
    "fine\n+SUM(1,2)",
    "two lines\r\n@risky",
    "  -2+3 with spaces first",
    "\t=1 after a tab",
    "\uff1dfull-width equals",
    'a "quoted" =HYPERLINK("http://evil")',
]


def _starts_formula(line: str) -> bool:
    return line.lstrip(" ").startswith(_FORMULA)


async def test_no_line_of_any_cell_can_start_a_formula_in_a_spreadsheet(store: Store) -> None:
    p = await post(store, "2026-03-02")
    for i, text in enumerate(HOSTILE_CELLS):
        await answer(store, p, 10 + i, text, minute=i + 1)
    made = await export_csv(store, GUILD, "2026-03-05")
    raw = made.path.read_text(encoding="utf-8")
    # A spreadsheet-style reader that starts a row at every CR or LF, quoted or not.
    for line in re.split(r"\r\n|\r|\n", raw):
        assert not _starts_formula(line.removeprefix('"')), repr(line)
    # The csv module's reading: every cell quoted, every line of every cell safe.
    for row in raw.splitlines()[:1]:
        assert row.startswith('"event"')
    events = read(made)
    contents = [e["content"] for e in events if e["event"] == "answer"]
    assert len(contents) == len(HOSTILE_CELLS)
    for cell in contents:
        for line in re.split(r"\r\n|\r|\n", cell):
            assert not _starts_formula(line), repr(cell)
    assert contents[0] == "ok\r'=cmd|' /C calc'!A0"  # the text is kept, only defused


async def test_a_large_export_is_built_off_the_event_loop(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every CSV line and every gzip byte is made in a worker thread; the loop only awaits the
    batched reads (a 100,000-answer export held another server's /quiz 1.4-1.6 s)."""
    threads: set[int] = set()
    for name in ("_write", "_gzip"):
        real = getattr(export, name)

        def spy(*args: object, _real: Any = real) -> Any:
            threads.add(threading.get_ident())
            return _real(*args)

        monkeypatch.setattr(export, name, spy)
    p = await post(store, "2026-03-02")
    rnd = random.Random(7)
    words = ["".join(rnd.choices(string.ascii_letters, k=8)) for _ in range(2000)]
    text = " ".join(rnd.choices(words, k=130))  # ~1 KB that gzip cannot shrink to nothing
    base = at("2026-03-02", 10)
    for start in range(0, 12_000, 2_000):
        await store.answers.record(
            [
                NewAnswer(p.id, GUILD, 100 + i, 10**9 + i, CHANNEL, f"{i} {text}", base)
                for i in range(start, start + 2_000)
            ]
        )
    lags: list[float] = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - before - 0.01)

    beat = asyncio.create_task(heartbeat())
    try:
        made = await export_csv(store, GUILD, "2026-03-05", limit=4 * 1024 * 1024)
    finally:
        stop.set()
        await beat
    assert made.filename.endswith(".csv.gz")  # 12 MB of text, gzipped under the limit
    assert len(read(made)) == 12_000
    assert threads and threading.get_ident() not in threads
    assert max(lags) < 0.5, f"the loop stalled {max(lags):.2f} s"  # a bound on a busy machine


async def test_too_large_for_the_upload_limit_is_refused_with_a_way_out(store: Store) -> None:
    old = await post(store, "2026-02-02")
    for i in range(40):
        await answer(store, old, 100 + i, f"answer {i} " + "x" * 300, minute=i)
    new = await post(store, "2026-03-02")
    await answer(store, new, ANA, "the only answer since March")
    with pytest.raises(DrillError, match="since:") as refused:
        await export_csv(store, GUILD, "2026-03-05", limit=600)
    assert "drillbot db backup" in str(refused.value)
    recent = read(await export_csv(store, GUILD, "2026-03-05", limit=600, since="2026-03-01"))
    assert [e["user_id"] for e in recent] == [str(ANA)]
    with pytest.raises(DrillError, match="YYYY-MM-DD"):
        await export_csv(store, GUILD, "2026-03-05", since="March")
