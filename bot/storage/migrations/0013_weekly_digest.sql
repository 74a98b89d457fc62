-- Issue 28: the weekly digest. When each guild wants it (off until an organiser sets a day and
-- a time), and one claim per (guild, week): claimed before sending, like the daily post, so a
-- digest is posted once per week however often the bot restarts.
CREATE TABLE digest_settings (
    guild_id INTEGER PRIMARY KEY,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday
    post_time TEXT NOT NULL,                                    -- HH:MM in the guild's zone
    updated_by INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE digests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER NOT NULL,
    week TEXT NOT NULL,        -- ISO date of the first day of the week the digest covers
    channel_id INTEGER NOT NULL,
    due_at TEXT NOT NULL,      -- the scheduled instant it was claimed for
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'posted')),
    message_id INTEGER,
    claimed_at TEXT NOT NULL,
    posted_at TEXT,
    UNIQUE (guild_id, week)
);
