-- PostgreSQL twin of migrations/0018_nudges.sql: BIGINT for SQLite's 64-bit INTEGER.
-- Issue 28: a nudge before the reveal. Members opt in per server (/remind daily on
-- [hours_before]); organisers may have a role pinged in the thread instead (/drill setup nudge:).
ALTER TABLE guild_settings ADD COLUMN nudge_role_id BIGINT;
ALTER TABLE guild_settings ADD COLUMN nudge_hours INTEGER NOT NULL DEFAULT 2
    CHECK (nudge_hours BETWEEN 1 AND 23);

-- A row is a member who asked for the DM; no row: off (never asked, /remind daily off, or their
-- DMs refused one).
CREATE TABLE nudge_settings (
    guild_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    hours_before INTEGER NOT NULL CHECK (hours_before BETWEEN 1 AND 23),
    set_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- One nudge per member and day, claimed before the DM is sent: the key is what makes it once,
-- across a crash and across shard processes. ``outcome`` stays NULL until the DM is known to be
-- out (sent), refused (DMs closed) or not needed after all (skipped: answered meanwhile).
CREATE TABLE nudges (
    guild_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    daily_post_id BIGINT NOT NULL REFERENCES daily_posts (id),
    claimed_at TEXT NOT NULL,
    outcome TEXT CHECK (outcome IN ('sent', 'refused', 'skipped')),
    done_at TEXT,
    PRIMARY KEY (guild_id, user_id, local_date)
);
CREATE INDEX nudges_post ON nudges (daily_post_id);

-- The role ping in a post's thread, once per post: claimed, then its message id.
CREATE TABLE role_nudges (
    daily_post_id BIGINT PRIMARY KEY REFERENCES daily_posts (id),
    guild_id BIGINT NOT NULL,
    role_id BIGINT NOT NULL,
    claimed_at TEXT NOT NULL,
    message_id BIGINT
);
