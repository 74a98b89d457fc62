"""/drill export: every answer and point event of a guild as CSV, built off the event loop.

- Privacy: blind answers are left out until their reveal; members hidden from the boards are
  left out, as on the boards, unless an organiser asks for the raw audit with a reason, which
  is written to the audit log before a row is read.
- Spreadsheets: every cell is quoted, and a cell line that would start a formula (``=``, ``+``,
  ``-``, ``@``, a tab, their full-width forms) gets a leading apostrophe, on every line of the
  cell: a carriage return inside a cell starts a new row for some importers.
- Size: rows are read in batches and written (and gzipped) in a worker thread into a temporary
  file, so a 100,000-answer guild costs the loop nothing but the reads; a file that would not
  fit the upload limit Discord gives the interaction is refused with a way out (``since``).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import gzip
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.errors import DrillError
from bot.storage import Store
from bot.storage.history import EXPORT_COLUMNS

DISCORD_UPLOAD = 10 * 1024 * 1024  # the smallest limit Discord gives an interaction
MAX_REASON = 200
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LINES = re.compile(r"(\r\n|\r|\n)")
TOO_LARGE = (
    "The export would be larger than Discord lets me upload here ({size}). Export a shorter "
    "stretch with `since:` (e.g. `since:{example}`), or ask the host for `drillbot db backup`."
)


@dataclass(frozen=True, slots=True)
class Export:
    filename: str
    path: Path  # a temporary file: the caller sends it, then calls ``discard``
    rows: int

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            self.path.parent.rmdir()


def cell(value: object) -> object:
    """One CSV cell: text that a spreadsheet would run as a formula, on any of its lines,
    is kept text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    parts = _LINES.split(value)  # text, line break, text, ...
    for i in range(0, len(parts), 2):
        if parts[i].lstrip(" ").startswith(_FORMULA):
            parts[i] = "'" + parts[i]
    return "".join(parts)


def _write(out: TextIO, rows: Sequence[Sequence[Any]]) -> int:
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows([cell(v) for v in row] for row in rows)
    out.flush()
    return out.tell()


def _gzip(plain: Path, packed: Path) -> int:
    with plain.open("rb") as src, gzip.GzipFile(packed, "wb", mtime=0) as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
    return packed.stat().st_size


def _since(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()[:10]).isoformat()
    except ValueError:
        raise DrillError("`since` is a date, YYYY-MM-DD (e.g. 2026-03-01).") from None


async def export_csv(
    store: Store,
    guild_id: int,
    today: str,
    *,
    limit: int = DISCORD_UPLOAD,
    since: str | None = None,
    raw_reason: str | None = None,
    organiser_id: int = 0,
    now: datetime | None = None,
) -> Export:
    """Write the guild's export to a temporary file (gzipped if the plain file would not fit
    ``limit``). Raises DrillError with a way out when even that would not fit."""
    start = _since(since)
    raw = raw_reason is not None
    if raw:
        reason = " ".join((raw_reason or "").split())
        if not reason:
            raise DrillError("A raw export (hidden members included) needs a reason.")
        if len(reason) > MAX_REASON:
            raise DrillError(f"Keep the reason under {MAX_REASON} characters.")
        assert now is not None
        # Logged before anything is read: the audit shows who asked, when and why.
        await store.boards.audit(guild_id, organiser_id, "export.raw", reason, now)
    folder = Path(tempfile.mkdtemp(prefix="drillbot-export-"))
    name = f"drillbot-{guild_id}-{today}" + (f"-since-{start}" if start else "") + ".csv"
    plain = folder / name
    ceiling = limit * 20  # beyond this no gzip brings it under the limit: stop reading
    done = False
    try:
        rows = 0
        with plain.open("w", encoding="utf-8", newline="") as out:
            size = await asyncio.to_thread(_write, out, [EXPORT_COLUMNS])
            async for batch in store.history.export_batches(guild_id, raw=raw, since=start):
                size = await asyncio.to_thread(_write, out, batch)
                rows += len(batch)
                if size > ceiling:
                    raise DrillError(_too_large(limit))
        path = plain
        if size > limit:
            path = folder / (name + ".gz")
            packed = await asyncio.to_thread(_gzip, plain, path)
            os.unlink(plain)
            if packed > limit:
                raise DrillError(_too_large(limit))
        done = True
        return Export(path.name, path, rows)
    finally:
        if not done:
            shutil.rmtree(folder, ignore_errors=True)


def _too_large(limit: int) -> str:
    return TOO_LARGE.format(size=f"{limit / 1024 / 1024:.0f} MiB", example="2026-01-01")
