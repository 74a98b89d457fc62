"""Logging set-up for `drillbot run`: readable lines by default, JSON lines on request.

Library chatter goes to WARNING (APScheduler logs two INFO lines per job run, discord.py its
connection steps and a voice warning drillbot has no use for). Every record passes through a
filter that replaces the token with asterisks, wherever it shows up: message, arguments or
traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

QUIET = ("apscheduler", "discord", "aiohttp.access", "aiosqlite")
MASK = "**********"
_VOICE = "voice will NOT be supported"
# Attributes every LogRecord has; anything else was passed with extra= and goes into JSON.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class Redact(logging.Filter):
    """Replace secrets in the rendered message and traceback text."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info:
            # Render the traceback now, so that it can be cleaned like the message.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        for secret in self.secrets:
            message = message.replace(secret, MASK)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, MASK)
        record.msg, record.args = message, None
        return True


class DropVoiceWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return _VOICE not in record.getMessage()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(
    level: str = "INFO",
    fmt: str = "text",
    *,
    secrets: list[str] | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Configure the root logger once; returns the handler (tests remove it again)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(Redact(secrets or []))
    handler.addFilter(DropVoiceWarning())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Library chatter stays at WARNING unless the operator asks for DEBUG.
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for name in QUIET:
        logging.getLogger(name).setLevel(quiet)
    if level == "DEBUG":
        # discord.http logs every request and its body at DEBUG, which drowns everything else.
        logging.getLogger("discord.http").setLevel(logging.INFO)
    return handler
