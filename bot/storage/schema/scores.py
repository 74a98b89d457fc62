"""Points and boards: the points ledger, running totals per scope, seasons, away days, streak
freezes.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from bot.storage.schema.base import Big, metadata

points = Table(
    "points",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big, nullable=False),
    Column("user_id", Big, nullable=False),
    Column("points", Big, nullable=False),
    Column("reason", Text, nullable=False),
    Column("topic", Text),
    Column("daily_post_id", Big),
    Column("local_date", Text, nullable=False),
    Column("awarded_at", Text, nullable=False),
    Column("season", Big, nullable=False, server_default=text("0")),
    ForeignKeyConstraint(["daily_post_id"], ["daily_posts.id"], name="points_daily_post_id_fkey"),
    UniqueConstraint(
        "guild_id",
        "user_id",
        "daily_post_id",
        "reason",
        name="points_guild_id_user_id_daily_post_id_reason_key",
    ),
    PrimaryKeyConstraint("id", name="points_pkey"),
    Index("points_guild_time", "guild_id", "awarded_at"),
    Index("points_guild_topic", "guild_id", "topic"),
    Index("points_guild_user", "guild_id", "user_id"),
)

member_stats = Table(
    "member_stats",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("user_id", Big, primary_key=True),
    Column("points", Big, nullable=False, server_default=text("0")),
    Column("answered", Big, nullable=False, server_default=text("0")),
    Column("streak", Big, nullable=False, server_default=text("0")),
    Column("best_streak", Big, nullable=False, server_default=text("0")),
    Column("last_answer_date", Text),
    Column("freezes", Integer, nullable=False, server_default=text("0")),
    Column("freezes_used", Integer, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("guild_id", "user_id", name="member_stats_pkey"),
    Index("member_stats_rank", "guild_id", text("points DESC")),
)

score_totals = Table(
    "score_totals",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("scope", Text, primary_key=True),
    Column("user_id", Big, primary_key=True),
    Column("points", Big, nullable=False, server_default=text("0")),
    Column("answers", Big, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("guild_id", "scope", "user_id", name="score_totals_pkey"),
    Index("score_totals_member", "guild_id", "user_id", "scope"),
    Index("score_totals_rank", "guild_id", "scope", text("points DESC"), "user_id", "answers"),
    sqlite_with_rowid=False,
)

score_levels = Table(
    "score_levels",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("scope", Text, primary_key=True),
    Column("points", Big, primary_key=True),
    Column("members", Big, nullable=False),
    PrimaryKeyConstraint("guild_id", "scope", "points", name="score_levels_pkey"),
    sqlite_with_rowid=False,
)

seasons = Table(
    "seasons",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("number", Big, primary_key=True),
    Column("name", Text, nullable=False),
    Column("started_at", Text, nullable=False),
    Column("started_by", Big, nullable=False),
    PrimaryKeyConstraint("guild_id", "number", name="seasons_pkey"),
)

board_settings = Table(
    "board_settings",
    metadata,
    Column("guild_id", Big, primary_key=True, autoincrement=False),
    Column("week_start", Big, nullable=False, server_default=text("0")),
    Column("star_emoji", Text, nullable=False, server_default=text("'⭐'")),
    Column("away_per_month", Big, nullable=False, server_default=text("7")),
    CheckConstraint("week_start BETWEEN 0 AND 6", name="board_settings_week_start_check"),
    PrimaryKeyConstraint("guild_id", name="board_settings_pkey"),
)

away_days = Table(
    "away_days",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("user_id", Big, primary_key=True),
    Column("local_date", Text, primary_key=True),
    Column("declared_at", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "user_id", "local_date", name="away_days_pkey"),
)

streak_freezes = Table(
    "streak_freezes",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big, nullable=False),
    Column("user_id", Big, nullable=False),
    Column("daily_post_id", Big, nullable=False),
    Column("local_date", Text, nullable=False),
    Column("streak", Integer, nullable=False),
    Column("used_at", Text, nullable=False),
    Column("told_at", Text),
    ForeignKeyConstraint(
        ["daily_post_id"], ["daily_posts.id"], name="streak_freezes_daily_post_id_fkey"
    ),
    UniqueConstraint(
        "guild_id",
        "user_id",
        "daily_post_id",
        name="streak_freezes_guild_id_user_id_daily_post_id_key",
    ),
    PrimaryKeyConstraint("id", name="streak_freezes_pkey"),
    Index("streak_freezes_member", "guild_id", "user_id", "told_at"),
)
