"""Practice: quiz and review sessions, FSRS cards, study plans, mock interviews (solo and in
pairs).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Identity,
    Index,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)

from bot.storage.schema.base import Big, metadata, postgresql_where

quiz_sessions = Table(
    "quiz_sessions",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big),
    Column("user_id", Big, nullable=False),
    Column("question_id", Text, nullable=False),
    Column("question_version", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("state", Text, nullable=False, server_default=text("'open'")),
    Column("shown_at", Text, nullable=False),
    Column("answered_at", Text),
    Column("revealed_at", Text),
    Column("graded_at", Text),
    Column("notes_only", Big, nullable=False, server_default=text("0")),
    Column("grade", Big),
    Column("time_taken_ms", Big),
    Column("daily_post_id", Big),
    ForeignKeyConstraint(
        ["daily_post_id"], ["daily_posts.id"], name="quiz_sessions_daily_post_id_fkey"
    ),
    CheckConstraint("grade BETWEEN 1 AND 4", name="quiz_sessions_grade_check"),
    CheckConstraint("mode IN ('quiz', 'review', 'daily')", name="quiz_sessions_mode_check"),
    CheckConstraint(
        "state IN ('open', 'answered', 'revealed', 'graded', 'skipped')",
        name="quiz_sessions_state_check",
    ),
    PrimaryKeyConstraint("id", name="quiz_sessions_pkey"),
    postgresql_where(
        Index(
            "quiz_sessions_daily_once",
            "user_id",
            "daily_post_id",
            unique=True,
            sqlite_where=text("daily_post_id IS NOT NULL"),
        ),
        text("(daily_post_id IS NOT NULL)"),
    ),
    postgresql_where(
        Index(
            "quiz_sessions_guild_graded",
            "guild_id",
            "graded_at",
            sqlite_where=text("grade IS NOT NULL"),
        ),
        text("(grade IS NOT NULL)"),
    ),
    Index("quiz_sessions_user", "user_id", "shown_at"),
)

srs_cards = Table(
    "srs_cards",
    metadata,
    Column("user_id", Big, primary_key=True),
    Column("question_id", Text, primary_key=True),
    Column("card_json", Text, nullable=False),
    Column("due", Text, nullable=False),
    Column("last_grade", Big),
    Column("reviews", Big, nullable=False, server_default=text("0")),
    Column("updated_at", Text, nullable=False),
    PrimaryKeyConstraint("user_id", "question_id", name="srs_cards_pkey"),
    Index("srs_cards_due", "user_id", "due"),
)

study_plans = Table(
    "study_plans",
    metadata,
    Column("user_id", Big, primary_key=True, autoincrement=False),
    Column("guild_id", Big),
    Column("first_day", Text, nullable=False),
    Column("interview_day", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("remind_at", Text),
    Column("state", Text, nullable=False, server_default=text("'active'")),
    Column("created_at", Text, nullable=False),
    CheckConstraint("state IN ('active', 'stopped')", name="study_plans_state_check"),
    PrimaryKeyConstraint("user_id", name="study_plans_pkey"),
)

mock_sessions = Table(
    "mock_sessions",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big),
    Column("user_id", Big, nullable=False),
    Column("round", Text, nullable=False),
    Column("state", Text, nullable=False, server_default=text("'active'")),
    Column("position", Big, nullable=False, server_default=text("0")),
    Column("step", Big, nullable=False, server_default=text("0")),
    Column("step_shown_at", Text, nullable=False),
    Column("started_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("finished_at", Text),
    Column("pair_id", Big),
    CheckConstraint(
        "state IN ('active', 'rating', 'done', 'abandoned', 'expired')",
        name="mock_sessions_state_check",
    ),
    PrimaryKeyConstraint("id", name="mock_sessions_pkey"),
    postgresql_where(
        Index(
            "mock_sessions_open",
            "user_id",
            unique=True,
            sqlite_where=text("state IN ('active', 'rating')"),
        ),
        text("(state = ANY (ARRAY['active'::text, 'rating'::text]))"),
    ),
    Index("mock_sessions_pair", "pair_id"),
    Index("mock_sessions_user", "user_id", "started_at"),
)

mock_pairs = Table(
    "mock_pairs",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big),
    Column("channel_id", Big, nullable=False),
    Column("inviter_id", Big, nullable=False),
    Column("partner_id", Big, nullable=False),
    Column("round", Text, nullable=False),
    Column("state", Text, nullable=False, server_default=text("'pending'")),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("thread_id", Big),
    Column("candidate_id", Big),
    Column("session_id", Big),
    CheckConstraint(
        "state IN ('pending', 'accepted', 'declined', 'expired', 'ended')",
        name="mock_pairs_state_check",
    ),
    PrimaryKeyConstraint("id", name="mock_pairs_pkey"),
    postgresql_where(
        Index(
            "mock_pairs_pending",
            "inviter_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
        ),
        text("(state = 'pending'::text)"),
    ),
    Index("mock_pairs_session", "session_id"),
)

mock_answers = Table(
    "mock_answers",
    metadata,
    Column("session_id", Big, primary_key=True),
    Column("position", Big, primary_key=True),
    Column("step", Big, primary_key=True),
    Column("content", Text, nullable=False),
    Column("shown_at", Text, nullable=False),
    Column("answered_at", Text, nullable=False),
    Column("over_time", Big, nullable=False),
    ForeignKeyConstraint(
        ["session_id"],
        ["mock_sessions.id"],
        name="mock_answers_session_id_fkey",
        ondelete="CASCADE",
    ),
    PrimaryKeyConstraint("session_id", "position", "step", name="mock_answers_pkey"),
)

mock_feedback = Table(
    "mock_feedback",
    metadata,
    Column("session_id", Big, primary_key=True, autoincrement=False),
    Column("rater_id", Big, nullable=False),
    Column("feedback", Text),
    ForeignKeyConstraint(
        ["session_id"],
        ["mock_sessions.id"],
        name="mock_feedback_session_id_fkey",
        ondelete="CASCADE",
    ),
    PrimaryKeyConstraint("session_id", name="mock_feedback_pkey"),
)

mock_items = Table(
    "mock_items",
    metadata,
    Column("session_id", Big, primary_key=True),
    Column("position", Big, primary_key=True),
    Column("question_id", Text, nullable=False),
    Column("budget_s", Big, nullable=False),
    Column("follow_ups", Text, nullable=False),
    ForeignKeyConstraint(
        ["session_id"], ["mock_sessions.id"], name="mock_items_session_id_fkey", ondelete="CASCADE"
    ),
    PrimaryKeyConstraint("session_id", "position", name="mock_items_pkey"),
)

mock_ratings = Table(
    "mock_ratings",
    metadata,
    Column("session_id", Big, primary_key=True),
    Column("signal", Text, primary_key=True),
    Column("rater", Text, primary_key=True),
    Column("score", Big, nullable=False),
    ForeignKeyConstraint(
        ["session_id"],
        ["mock_sessions.id"],
        name="mock_ratings_session_id_fkey",
        ondelete="CASCADE",
    ),
    CheckConstraint("rater IN ('self', 'partner')", name="mock_ratings_rater_check"),
    CheckConstraint("score BETWEEN 1 AND 4", name="mock_ratings_score_check"),
    PrimaryKeyConstraint("session_id", "signal", "rater", name="mock_ratings_pkey"),
)
