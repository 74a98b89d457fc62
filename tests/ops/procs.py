"""Real processes for the operations tests: the emulator and `drillbot run`, read line by line."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.ops.helpers import clean_env


class Proc:
    """A subprocess whose stderr lines are collected by a thread, so waits are bounded."""

    def __init__(
        self, args: list[str], *, cwd: Path, env: dict[str, str] | None = None, python: bool = True
    ) -> None:
        """``args`` after the Python interpreter, or the whole command with ``python=False``."""
        self.popen = subprocess.Popen(
            [sys.executable, *args] if python else args,
            cwd=cwd,
            env=clean_env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        """The first line (seen so far or arriving within ``timeout``) matching ``pattern``."""
        regex = re.compile(pattern)
        for line in self.lines:
            if m := regex.search(line):
                return m
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if m := regex.search(line):
                return m
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines[-40:]))

    def drain(self) -> str:
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return "\n".join(self.lines)

    def signal(self, sig: signal.Signals) -> None:
        self.popen.send_signal(sig)

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=10)
        if self.popen.stdout is not None:
            self.popen.stdout.close()


def start_emulator(cwd: Path, *extra: str) -> tuple[Proc, dict[str, str]]:
    """`python -m bot.sandbox.emulator` and the settings a bot needs to reach it."""
    emu = Proc(["-m", "bot.sandbox.emulator", *extra], cwd=cwd)
    urls = emu.wait_for(r"api_base=(\S+) gateway=(\S+)")
    ids = emu.wait_for(r"token=(\S+) guild=(\d+) daily=(\d+)")
    return emu, {
        "DISCORD_API_BASE": urls.group(1),
        "DISCORD_GATEWAY_URL": urls.group(2),
        "DISCORD_TOKEN": ids.group(1),
        "GUILD": ids.group(2),
        "DAILY": ids.group(3),
    }


def start_bot(cwd: Path, env: dict[str, str], *extra: str) -> Proc:
    wanted = {k: v for k, v in env.items() if k.startswith(("DISCORD_", "DRILLBOT_"))}
    return Proc(["-m", "bot.ops.cli", "run", *extra], cwd=cwd, env=wanted)
