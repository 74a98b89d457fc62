"""The schema, declared once for both backends (SQLAlchemy Core ``MetaData``).

Every table the bot keeps, as today's release made it. Alembic's one history
(bot/storage/alembic/) creates and changes them on SQLite and PostgreSQL alike, and a test
checks that the history and these declarations agree on both. (The repositories still send SQL
text of their own; building their queries from these objects is the next step of issue 24.)

Ids are Discord snowflakes or row ids: ``Big`` is BIGINT on
PostgreSQL and INTEGER on SQLite (SQLite's integers are 64-bit, and a single INTEGER primary key
is the rowid, numbered by SQLite). Times are ISO-8601 UTC text, as they always were. Constraint
names are PostgreSQL's own defaults, so databases created by the old SQL migrations and by
Alembic carry the same names and later revisions can refer to them on both.
"""

from __future__ import annotations

from bot.storage.schema.base import Big, metadata
from bot.storage.schema.daily import (
    answers,
    best_answers,
    blind_entries,
    blind_parts,
    button_answers,
    daily_posts,
    digest_settings,
    digests,
    nudge_settings,
    nudges,
    role_nudges,
    stars,
)
from bot.storage.schema.guilds import (
    audit_log,
    forget_requests,
    guild_disabled_questions,
    guild_disabled_topics,
    guild_packs,
    guild_settings,
    hidden_members,
    member_names,
    notices,
    reports,
    web_boards,
)
from bot.storage.schema.practice import (
    mock_answers,
    mock_feedback,
    mock_items,
    mock_pairs,
    mock_ratings,
    mock_sessions,
    quiz_sessions,
    srs_cards,
    study_plans,
)
from bot.storage.schema.scores import (
    away_days,
    board_settings,
    member_stats,
    points,
    score_levels,
    score_totals,
    seasons,
    streak_freezes,
)

__all__ = [
    "Big",
    "answers",
    "audit_log",
    "away_days",
    "best_answers",
    "blind_entries",
    "blind_parts",
    "board_settings",
    "button_answers",
    "daily_posts",
    "digest_settings",
    "digests",
    "forget_requests",
    "guild_disabled_questions",
    "guild_disabled_topics",
    "guild_packs",
    "guild_settings",
    "hidden_members",
    "member_names",
    "member_stats",
    "metadata",
    "mock_answers",
    "mock_feedback",
    "mock_items",
    "mock_pairs",
    "mock_ratings",
    "mock_sessions",
    "notices",
    "nudge_settings",
    "nudges",
    "points",
    "quiz_sessions",
    "reports",
    "role_nudges",
    "score_levels",
    "score_totals",
    "seasons",
    "srs_cards",
    "stars",
    "streak_freezes",
    "study_plans",
    "web_boards",
]
