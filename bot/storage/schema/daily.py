"""The daily question: posts, answers (thread, blind, by button), stars, best answers, digests and
nudges.
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

daily_posts = Table(
    "daily_posts",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big, nullable=False),
    Column("local_date", Text, nullable=False),
    Column("question_id", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("channel_id", Big, nullable=False),
    Column("nonce", Text, nullable=False),
    Column("state", Text, nullable=False, server_default=text("'pending'")),
    Column("message_id", Big),
    Column("thread_id", Big),
    Column("scheduled_for", Text, nullable=False),
    Column("reveal_at", Text),
    Column("posted_at", Text),
    Column("revealed_at", Text),
    Column("attempts", Big, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("created_at", Text, nullable=False),
    Column("reveal_claimed_by", Text),
    Column("reveal_claimed_at", Text),
    Column("mode", Text, nullable=False, server_default=text("'thread'")),
    Column("lock_at", Text),
    Column("locked_at", Text),
    UniqueConstraint("guild_id", "local_date", name="daily_posts_guild_id_local_date_key"),
    CheckConstraint("mode IN ('thread', 'blind')", name="daily_posts_mode_check"),
    CheckConstraint("state IN ('pending', 'posted', 'revealed')", name="daily_posts_state_check"),
    PrimaryKeyConstraint("id", name="daily_posts_pkey"),
    Index("daily_posts_lock", "state", "lock_at"),
    Index("daily_posts_question", "guild_id", "question_id"),
    Index("daily_posts_state", "state", "reveal_at"),
    Index("daily_posts_thread", "thread_id"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big),
    Column("daily_post_id", Big),
    Column("quiz_session_id", Big),
    Column("user_id", Big, nullable=False),
    Column("message_id", Big),
    Column("channel_id", Big),
    Column("content", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("edited_at", Text),
    Column("edit_count", Big, nullable=False, server_default=text("0")),
    Column("deleted_at", Text),
    ForeignKeyConstraint(["daily_post_id"], ["daily_posts.id"], name="answers_daily_post_id_fkey"),
    ForeignKeyConstraint(
        ["quiz_session_id"], ["quiz_sessions.id"], name="answers_quiz_session_id_fkey"
    ),
    UniqueConstraint("message_id", name="answers_message_id_key"),
    CheckConstraint("(daily_post_id IS NULL) <> (quiz_session_id IS NULL)", name="answers_check"),
    PrimaryKeyConstraint("id", name="answers_pkey"),
    Index("answers_channel", "channel_id", "message_id"),
    Index("answers_post", "daily_post_id", "user_id"),
    Index("answers_user", "user_id", "guild_id"),
)

blind_entries = Table(
    "blind_entries",
    metadata,
    Column("daily_post_id", Big, primary_key=True),
    Column("user_id", Big, primary_key=True),
    Column("answer_id", Big, nullable=False),
    Column("late", Integer, nullable=False, server_default=text("0")),
    ForeignKeyConstraint(
        ["answer_id"], ["answers.id"], name="blind_entries_answer_id_fkey", ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["daily_post_id"], ["daily_posts.id"], name="blind_entries_daily_post_id_fkey"
    ),
    PrimaryKeyConstraint("daily_post_id", "user_id", name="blind_entries_pkey"),
)

blind_parts = Table(
    "blind_parts",
    metadata,
    Column("daily_post_id", Big, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("part", Integer, primary_key=True),
    Column("parts", Integer, nullable=False),
    Column("answer_id", Big, nullable=False),
    Column("late", Integer, nullable=False, server_default=text("0")),
    Column("message_id", Big),
    Column("nonce", Text),  # 0019: stored just before the part is sent (issue 21)
    ForeignKeyConstraint(
        ["answer_id"], ["answers.id"], name="blind_parts_answer_id_fkey", ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["daily_post_id"], ["daily_posts.id"], name="blind_parts_daily_post_id_fkey"
    ),
    PrimaryKeyConstraint("daily_post_id", "seq", "part", name="blind_parts_pkey"),
    Index("blind_parts_message", "message_id"),
)

button_answers = Table(
    "button_answers",
    metadata,
    Column("answer_id", Big, primary_key=True, autoincrement=False),
    Column("daily_post_id", Big, nullable=False),
    Column("interaction_id", Big, nullable=False),
    Column("message_id", Big),
    ForeignKeyConstraint(
        ["answer_id"], ["answers.id"], name="button_answers_answer_id_fkey", ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["daily_post_id"], ["daily_posts.id"], name="button_answers_daily_post_id_fkey"
    ),
    UniqueConstraint("interaction_id", name="button_answers_interaction_id_key"),
    PrimaryKeyConstraint("answer_id", name="button_answers_pkey"),
    Index("button_answers_post", "daily_post_id", "message_id"),
)

best_answers = Table(
    "best_answers",
    metadata,
    Column("message_id", Big, primary_key=True, autoincrement=False),
    Column("guild_id", Big, nullable=False),
    Column("daily_post_id", Big, nullable=False),
    Column("user_id", Big, nullable=False),
    Column("marked_by", Big, nullable=False),
    Column("marked_at", Text, nullable=False),
    PrimaryKeyConstraint("message_id", name="best_answers_pkey"),
    Index("best_answers_user", "guild_id", "user_id"),
)

stars = Table(
    "stars",
    metadata,
    Column("guild_id", Big, nullable=False),
    Column("message_id", Big, primary_key=True),
    Column("giver_id", Big, primary_key=True),
    Column("author_id", Big, nullable=False),
    Column("daily_post_id", Big, nullable=False),
    Column("given_at", Text, nullable=False),
    PrimaryKeyConstraint("message_id", "giver_id", name="stars_pkey"),
    Index("stars_author", "guild_id", "author_id", "daily_post_id"),
    Index("stars_giver", "guild_id", "giver_id"),
)

digests = Table(
    "digests",
    metadata,
    Column("id", Big, Identity(), primary_key=True),
    Column("guild_id", Big, nullable=False),
    Column("week", Text, nullable=False),
    Column("channel_id", Big, nullable=False),
    Column("due_at", Text, nullable=False),
    Column("state", Text, nullable=False, server_default=text("'pending'")),
    Column("message_id", Big),
    Column("claimed_at", Text, nullable=False),
    Column("posted_at", Text),
    UniqueConstraint("guild_id", "week", name="digests_guild_id_week_key"),
    CheckConstraint("state IN ('pending', 'posted')", name="digests_state_check"),
    PrimaryKeyConstraint("id", name="digests_pkey"),
    sqlite_autoincrement=True,
)

digest_settings = Table(
    "digest_settings",
    metadata,
    Column("guild_id", Big, primary_key=True, autoincrement=False),
    Column("weekday", Integer, nullable=False),
    Column("post_time", Text, nullable=False),
    Column("updated_by", Big, nullable=False),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("weekday BETWEEN 0 AND 6", name="digest_settings_weekday_check"),
    PrimaryKeyConstraint("guild_id", name="digest_settings_pkey"),
)

nudge_settings = Table(
    "nudge_settings",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("user_id", Big, primary_key=True),
    Column("hours_before", Integer, nullable=False),
    Column("set_at", Text, nullable=False),
    CheckConstraint("hours_before BETWEEN 1 AND 23", name="nudge_settings_hours_before_check"),
    PrimaryKeyConstraint("guild_id", "user_id", name="nudge_settings_pkey"),
)

nudges = Table(
    "nudges",
    metadata,
    Column("guild_id", Big, primary_key=True),
    Column("user_id", Big, primary_key=True),
    Column("local_date", Text, primary_key=True),
    Column("daily_post_id", Big, nullable=False),
    Column("claimed_at", Text, nullable=False),
    Column("outcome", Text),
    Column("done_at", Text),
    ForeignKeyConstraint(["daily_post_id"], ["daily_posts.id"], name="nudges_daily_post_id_fkey"),
    CheckConstraint("outcome IN ('sent', 'refused', 'skipped')", name="nudges_outcome_check"),
    PrimaryKeyConstraint("guild_id", "user_id", "local_date", name="nudges_pkey"),
    Index("nudges_post", "daily_post_id"),
)

role_nudges = Table(
    "role_nudges",
    metadata,
    Column("daily_post_id", Big, primary_key=True, autoincrement=False),
    Column("guild_id", Big, nullable=False),
    Column("role_id", Big, nullable=False),
    Column("claimed_at", Text, nullable=False),
    Column("message_id", Big),
    ForeignKeyConstraint(
        ["daily_post_id"], ["daily_posts.id"], name="role_nudges_daily_post_id_fkey"
    ),
    PrimaryKeyConstraint("daily_post_id", name="role_nudges_pkey"),
)
