-- Issue 29: the web board. Per guild: on or off (off until an organiser turns it on), the
-- secret its links are signed with (replaced by /drill web rotate, which voids every link at
-- once) and the guild's name as the bot last saw it. Per member: the display name the bot last
-- saw (answers, interactions), so pages never show ids; forget-me deletes it.
CREATE TABLE web_boards (
    guild_id INTEGER PRIMARY KEY,
    enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    secret TEXT NOT NULL,      -- 32 random bytes, hex
    guild_name TEXT NOT NULL DEFAULT '',
    updated_by INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE member_names (
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
