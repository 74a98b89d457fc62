-- Issue 16: blind answers. Organisers choose per guild how members answer; each post keeps the
-- mode it was claimed with, so a switch applies from the next post.
ALTER TABLE guild_settings ADD COLUMN answer_mode TEXT NOT NULL DEFAULT 'thread'
    CHECK (answer_mode IN ('thread', 'blind'));
-- How long a blind post's thread stays open for discussion after the reveal (0: lock at once).
ALTER TABLE guild_settings ADD COLUMN discussion_minutes INTEGER NOT NULL DEFAULT 720
    CHECK (discussion_minutes BETWEEN 0 AND 10080);
ALTER TABLE daily_posts ADD COLUMN mode TEXT NOT NULL DEFAULT 'thread'
    CHECK (mode IN ('thread', 'blind'));
-- Blind: when the discussion thread is locked, and when it was.
ALTER TABLE daily_posts ADD COLUMN lock_at TEXT;
ALTER TABLE daily_posts ADD COLUMN locked_at TEXT;

-- One answer per member and blind post: the guard every submit and edit goes through.
CREATE TABLE blind_entries (
    daily_post_id INTEGER NOT NULL REFERENCES daily_posts (id),
    user_id INTEGER NOT NULL,
    answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    PRIMARY KEY (daily_post_id, user_id)
);

-- The publishing plan of a reveal, fixed once: one row per message to send, in order. A row
-- gets its message id the moment Discord takes it, so a reveal that dies half-way resumes at
-- the first row without one (after looking for it in the thread) and posts nothing twice.
CREATE TABLE blind_parts (
    daily_post_id INTEGER NOT NULL REFERENCES daily_posts (id),
    seq INTEGER NOT NULL,                           -- the answer's place, from 1
    part INTEGER NOT NULL,                          -- the message's place within it, from 1
    parts INTEGER NOT NULL,
    answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    late INTEGER NOT NULL DEFAULT 0,                -- given after the reveal time: not scored
    message_id INTEGER,
    PRIMARY KEY (daily_post_id, seq, part)
);
CREATE INDEX blind_parts_message ON blind_parts (message_id);
CREATE INDEX daily_posts_lock ON daily_posts (state, lock_at);
