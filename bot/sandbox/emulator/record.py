"""What the emulator answered and sent, kept for the contract check (tests/support/contract.py).

In memory (``keep()``, as the tests' ``discord_contract`` fixture does for an emulator in the
test's own process), and/or as JSON lines in the folder named by ``EMULATOR_CONTRACT_LOG``, so an
emulator in another process (``python -m bot.sandbox.emulator``, the demo, a benchmark's child)
is checked too: one line per REST call and per gateway dispatch, flushed as it happens, since
such a process is often killed rather than closed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO

ENV = "EMULATOR_CONTRACT_LOG"
Json = dict[str, Any]


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Json]] | None = None  # None: not kept in memory
        self._file: TextIO | None = None
        folder = os.environ.get(ENV)
        if folder:
            path = Path(folder) / f"emulator-{os.getpid()}-{id(self):x}.jsonl"
            self._file = path.open("a", encoding="utf-8", buffering=1)  # line-buffered

    def keep(self) -> None:
        """Keep events in memory instead of writing them out (an in-process check)."""
        self.events = []
        self.close()

    def call(
        self, method: str, path: str, route_key: str, status: int, sent: Any, got: Any
    ) -> None:
        if self._file is not None:
            line = {"call": [method, path, route_key, status, sent, got]}
            self._file.write(json.dumps(line, default=str) + "\n")

    def event(self, name: str, data: Json) -> None:
        if self.events is not None:
            self.events.append((name, data))
        if self._file is not None:
            self._file.write(json.dumps({"event": [name, data]}, default=str) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
