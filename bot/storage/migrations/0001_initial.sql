-- drillbot schema v1. Plain SQL: INTEGER ids (Discord snowflakes fit in 64 bits), TEXT
-- timestamps in ISO-8601 UTC, INSERT ... ON CONFLICT for upserts, so PostgreSQL can follow.

CREATE TABLE guild_settings (
    guild_id INTEGER PRIMARY KEY,
    channel_id INTEGER,
    post_time TEXT NOT NULL DEFAULT '09:00',
    timezone TEXT NOT NULL DEFAULT 'UTC',
    weekdays INTEGER NOT NULL DEFAULT 127,          -- bit 0 = Monday ... bit 6 = Sunday
    reveal_after_minutes INTEGER DEFAULT 1380,      -- NULL: reveal at the next post
    organiser_role_id INTEGER,
    ping_role_id INTEGER,
    pin_posts INTEGER NOT NULL DEFAULT 0,
    paused INTEGER NOT NULL DEFAULT 0,
    configured_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Topics are enabled unless listed here, so a new pack's topics are on by default.
CREATE TABLE guild_disabled_topics (
    guild_id INTEGER NOT NULL,
    topic TEXT NOT NULL,
    PRIMARY KEY (guild_id, topic)
);

CREATE TABLE guild_disabled_questions (
    guild_id INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    disabled_by INTEGER,
    disabled_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, question_id)
);

CREATE TABLE daily_posts (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    local_date TEXT NOT NULL,                      -- YYYY-MM-DD in the guild's timezone
    question_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'posted', 'revealed')),
    message_id INTEGER,
    thread_id INTEGER,
    scheduled_for TEXT NOT NULL,
    reveal_at TEXT,
    posted_at TEXT,
    revealed_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (guild_id, local_date)
);
CREATE INDEX daily_posts_state ON daily_posts (state, reveal_at);
CREATE INDEX daily_posts_thread ON daily_posts (thread_id);
CREATE INDEX daily_posts_question ON daily_posts (guild_id, question_id);

CREATE TABLE quiz_sessions (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    user_id INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    question_version TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('quiz', 'review', 'daily')),
    state TEXT NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'answered', 'revealed', 'graded', 'skipped')),
    shown_at TEXT NOT NULL,
    answered_at TEXT,
    revealed_at TEXT,
    graded_at TEXT,
    notes_only INTEGER NOT NULL DEFAULT 0,
    grade INTEGER CHECK (grade BETWEEN 1 AND 4),
    time_taken_ms INTEGER,
    daily_post_id INTEGER REFERENCES daily_posts (id)
);
CREATE INDEX quiz_sessions_user ON quiz_sessions (user_id, shown_at);

CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    daily_post_id INTEGER REFERENCES daily_posts (id),
    quiz_session_id INTEGER REFERENCES quiz_sessions (id),
    user_id INTEGER NOT NULL,
    message_id INTEGER UNIQUE,                     -- NULL for answers given in a modal
    channel_id INTEGER,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    edited_at TEXT,
    edit_count INTEGER NOT NULL DEFAULT 0,
    deleted_at TEXT,
    CHECK ((daily_post_id IS NULL) <> (quiz_session_id IS NULL))
);
CREATE INDEX answers_post ON answers (daily_post_id, user_id);
CREATE INDEX answers_channel ON answers (channel_id, message_id);

-- Append-only points ledger; the UNIQUE key makes awarding idempotent.
CREATE TABLE points (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    points INTEGER NOT NULL,
    reason TEXT NOT NULL,
    topic TEXT,
    daily_post_id INTEGER REFERENCES daily_posts (id),
    local_date TEXT NOT NULL,
    awarded_at TEXT NOT NULL,
    UNIQUE (guild_id, user_id, daily_post_id, reason)
);
CREATE INDEX points_guild_time ON points (guild_id, awarded_at);
CREATE INDEX points_guild_topic ON points (guild_id, topic);

-- Aggregate kept in the same transaction as the ledger rows that change it.
CREATE TABLE member_stats (
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    streak INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    last_answer_date TEXT,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX member_stats_rank ON member_stats (guild_id, points DESC);

CREATE TABLE srs_cards (
    user_id INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    card_json TEXT NOT NULL,
    due TEXT NOT NULL,
    last_grade INTEGER,
    reviews INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, question_id)
);
CREATE INDEX srs_cards_due ON srs_cards (user_id, due);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    user_id INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    question_version TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX reports_guild ON reports (guild_id, created_at);

CREATE TABLE guild_packs (
    guild_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    body TEXT NOT NULL,
    questions INTEGER NOT NULL,
    uploaded_by INTEGER NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, name)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    at TEXT NOT NULL
);
CREATE INDEX audit_log_guild ON audit_log (guild_id, id);

-- Things said to organisers once (e.g. missing permissions), so they are not repeated.
CREATE TABLE notices (
    guild_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, kind, subject)
);
