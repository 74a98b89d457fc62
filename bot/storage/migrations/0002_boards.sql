-- Leaderboards: seasons, totals per board, stars, best answers, away days, privacy.

-- The season a point event fell in (0: before the guild's first /drill season new).
ALTER TABLE points ADD COLUMN season INTEGER NOT NULL DEFAULT 0;

CREATE TABLE seasons (
    guild_id INTEGER NOT NULL,
    number INTEGER NOT NULL,                       -- 1, 2, ... per guild
    name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    started_by INTEGER NOT NULL,
    PRIMARY KEY (guild_id, number)
);

-- Organisers' board settings (week start: 0 = Monday ... 6 = Sunday, in the guild's timezone).
CREATE TABLE board_settings (
    guild_id INTEGER PRIMARY KEY,
    week_start INTEGER NOT NULL DEFAULT 0 CHECK (week_start BETWEEN 0 AND 6),
    star_emoji TEXT NOT NULL DEFAULT '⭐',
    away_per_month INTEGER NOT NULL DEFAULT 7
);

-- One row per (guild, board, member), updated in the transaction that writes the ledger row.
-- scope: 'all', 'w:<week start date>', 'm:<YYYY-MM>', 's:<season>', and the same prefixed by
-- 't:<topic>|' for topic boards. The index answers a top 10 and a rank without the ledger.
CREATE TABLE score_totals (
    guild_id INTEGER NOT NULL,
    scope TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    answers INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, scope, user_id)
) WITHOUT ROWID;
CREATE INDEX score_totals_rank ON score_totals (guild_id, scope, points DESC, user_id, answers);
CREATE INDEX score_totals_member ON score_totals (guild_id, user_id, scope);

CREATE TABLE stars (
    guild_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    giver_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    daily_post_id INTEGER NOT NULL,
    given_at TEXT NOT NULL,
    PRIMARY KEY (message_id, giver_id)
);
CREATE INDEX stars_author ON stars (guild_id, author_id, daily_post_id);
CREATE INDEX stars_giver ON stars (guild_id, giver_id);

CREATE TABLE best_answers (
    message_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    daily_post_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    marked_by INTEGER NOT NULL,
    marked_at TEXT NOT NULL
);
CREATE INDEX best_answers_user ON best_answers (guild_id, user_id);

CREATE TABLE away_days (
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    local_date TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, local_date)
);

CREATE TABLE hidden_members (
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    hidden_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- A forget-me waits for its confirmation button; the state change decides double presses.
CREATE TABLE forget_requests (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled')),
    created_at TEXT NOT NULL
);

CREATE INDEX points_guild_user ON points (guild_id, user_id);
CREATE INDEX answers_user ON answers (user_id, guild_id);
