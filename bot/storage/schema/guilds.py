"""Server settings, organisers' audit trail, members' own records (hidden, names, forget
requests).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)

from bot.storage.schema.base import Big, metadata, postgresql_where

guild_settings = Table(
    "guild_settings",
    metadata,
    Column("guild_id", Big, primary_key=True, autoincrement=False),
    Column("channel_id", Big),
    Column("post_time", Text, nullable=False, server_default=text("'09:00'")),
    Column("timezone", Text, nullable=False, server_default=text("'UTC'")),
    Column("weekdays", Big, nullable=False, server_default=text("127")),
    Column("reveal_after_minutes", Big, server_default=text("1380")),
    Column("organiser_role_id", Big),
    Column("ping_role_id", Big),
    Column("pin_posts", Big, nullable=False, server_default=text("0")),
    Column("paused", Big, nullable=False, server_default=text("0")),
    Column("configured_by", Big),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("focus", Text, nullable=False, server_default=text("'off'")),
    Column("answer_mode", Text, nullable=False, server_default=text("'thread'")),
    Column("discussion_minutes", Integer, nullable=False, server_default=text("720")),
    Column("starts_after", Text),
    Column("nudge_role_id", Big),
    Column("nudge_hours", Integer, nullable=False, server_default=text("2")),
    CheckConstraint("answer_mode IN ('thread', 'blind')", name="guild_settings_answer_mode_check"),
    CheckConstraint(
        "discussion_minutes BETWEEN 0 AND 10080", name="guild_settings_discussion_minutes_check"
    ),
    CheckConstraint("focus IN ('off', 'auto')", name="guild_settings_focus_check"),
    CheckConstraint("nudge_hours BETWEEN 1 AND 23", name="guild_settings_nudge_hours_check"),
    PrimaryKeyConstraint("guild_id", name="guild_settings_pkey"),
)

guild_disabled_questions = Table(
    "guild_disabled_questions",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("question_id", Text, primary_key=True),
    Column("disabled_by", Big),
    Column("disabled_at", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "question_id", name="guild_disabled_questions_pkey"),
)

guild_disabled_topics = Table(
    "guild_disabled_topics",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("topic", Text, primary_key=True),
    PrimaryKeyConstraint("guild_id", "topic", name="guild_disabled_topics_pkey"),
)

guild_packs = Table(
    "guild_packs",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("name", Text, primary_key=True),
    Column("version", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("questions", Big, nullable=False),
    Column("uploaded_by", Big, nullable=False),
    Column("uploaded_at", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "name", name="guild_packs_pkey"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big, nullable=False),
    Column("user_id", Big, nullable=False),
    Column("action", Text, nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("at", Text, nullable=False),
    PrimaryKeyConstraint("id", name="audit_log_pkey"),
    Index("audit_log_guild", "guild_id", "id"),
)

notices = Table(
    "notices",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("subject", Text, primary_key=True),
    Column("sent_at", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "kind", "subject", name="notices_pkey"),
)

forget_requests = Table(
    "forget_requests",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big, nullable=False),
    Column("user_id", Big, nullable=False),
    Column("state", Text, nullable=False, server_default=text("'pending'")),
    Column("created_at", Text, nullable=False),
    CheckConstraint(
        "state IN ('pending', 'done', 'cancelled')", name="forget_requests_state_check"
    ),
    PrimaryKeyConstraint("id", name="forget_requests_pkey"),
)

hidden_members = Table(
    "hidden_members",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("user_id", Big, primary_key=True),
    Column("hidden_at", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "user_id", name="hidden_members_pkey"),
)

member_names = Table(
    "member_names",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("user_id", Big, primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("seen_at", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "user_id", name="member_names_pkey"),
)

web_boards = Table(
    "web_boards",
    metadata,
    Column("guild_id", Big, primary_key=True, autoincrement=False),
    Column("enabled", Integer, nullable=False, server_default=text("0")),
    Column("secret", Text, nullable=False),
    Column("guild_name", Text, nullable=False, server_default=text("''")),
    Column("updated_by", Big, nullable=False),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("enabled IN (0, 1)", name="web_boards_enabled_check"),
    PrimaryKeyConstraint("guild_id", name="web_boards_pkey"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big),
    Column("user_id", Big, nullable=False),
    Column("question_id", Text, nullable=False),
    Column("question_version", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("detail", Text, nullable=False, server_default=text("''")),
    Column("created_at", Text, nullable=False),
    Column("source", Text),
    PrimaryKeyConstraint("id", name="reports_pkey"),
    Index("reports_guild", "guild_id", "created_at"),
    postgresql_where(
        Index(
            "reports_once",
            "user_id",
            "source",
            unique=True,
            sqlite_where=text("source IS NOT NULL"),
        ),
        text("(source IS NOT NULL)"),
    ),
)
