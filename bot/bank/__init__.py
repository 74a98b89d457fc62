"""The question bank: YAML packs validated into frozen dataclasses.

Every error names ``file:line:column`` (from PyYAML node marks) and the field, and every error
in a file is reported, not just the first.
"""

from bot.bank.index import Bank, default_content_dir, load_bank, pack_files
from bot.bank.models import (
    DIFFICULTIES,
    KEY_POINTS_RANGE,
    KINDS,
    LEVELS,
    MAX_FOLLOW_UP,
    MAX_FOLLOW_UPS,
    MAX_KEY_POINT,
    MAX_PACK_BYTES,
    MAX_PROMPT,
    MAX_TESTING,
    Levels,
    Pack,
    PackError,
    PackIssue,
    Question,
    Retired,
    Solution,
    Source,
    Topic,
    UnknownTopic,
    normalise,
)
from bot.bank.parse import parse_pack

__all__ = [
    "DIFFICULTIES",
    "KEY_POINTS_RANGE",
    "KINDS",
    "LEVELS",
    "MAX_FOLLOW_UP",
    "MAX_FOLLOW_UPS",
    "MAX_KEY_POINT",
    "MAX_PACK_BYTES",
    "MAX_PROMPT",
    "MAX_TESTING",
    "Bank",
    "Levels",
    "Pack",
    "PackError",
    "PackIssue",
    "Question",
    "Retired",
    "Solution",
    "Source",
    "Topic",
    "UnknownTopic",
    "default_content_dir",
    "load_bank",
    "normalise",
    "pack_files",
    "parse_pack",
]
