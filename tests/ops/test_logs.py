"""Logs: readable or JSON, the token masked wherever it would appear, libraries quiet."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.ops.logs import MASK, setup_logging

TOKEN = "MTIz.secret-token-value.xyz"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {n: logging.getLogger(n).level for n in ("apscheduler", "discord", "discord.http")}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def emit(fmt: str) -> str:
    stream = io.StringIO()
    setup_logging("INFO", fmt, secrets=[TOKEN], stream=stream)
    log = logging.getLogger("bot.test")
    log.info("guild %s: posted %s for %s", 1, "cicd-001", "2026-03-02")
    log.warning("login with %s failed", TOKEN)
    try:
        raise RuntimeError(f"bad token {TOKEN}")
    except RuntimeError:
        log.exception("start failed")
    logging.getLogger("apscheduler.scheduler").info("Running job tick")
    logging.getLogger("discord.client").warning(
        "PyNaCl is not installed, voice will NOT be supported"
    )
    logging.getLogger("discord.gateway").info("Shard ID None has connected")
    return stream.getvalue()


def test_text_logs_mask_the_token_and_drop_library_chatter(restore_logging: None) -> None:
    out = emit("text")
    assert TOKEN not in out
    assert f"login with {MASK} failed" in out and f"bad token {MASK}" in out
    assert "bot.test: guild 1: posted cicd-001 for 2026-03-02" in out
    assert "Running job" not in out and "voice" not in out and "Shard ID" not in out
    assert "Traceback" in out  # the traceback is kept, cleaned


def test_json_logs_are_one_object_per_line(restore_logging: None) -> None:
    lines = emit("json").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["level"] for e in entries] == ["INFO", "WARNING", "ERROR"]
    assert entries[0]["message"] == "guild 1: posted cicd-001 for 2026-03-02"
    assert entries[0]["logger"] == "bot.test" and entries[0]["time"].endswith("+00:00")
    assert "RuntimeError" in entries[2]["traceback"]
    assert TOKEN not in "\n".join(lines)
