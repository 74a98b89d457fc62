-- Issue 28: streak insurance. A member earns a freeze every 7 consecutive posts answered (at
-- most 2 held, bot/boards/scoring.py); a missed post spends one at its reveal and keeps the
-- streak alive, the way an away day does.
ALTER TABLE member_stats ADD COLUMN freezes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE member_stats ADD COLUMN freezes_used INTEGER NOT NULL DEFAULT 0;

-- One row per freeze spent: the post it covered, the streak it kept, and when the member was
-- told (privately, the next time they answer; NULL until then). The UNIQUE key keeps a second
-- run of the same reveal from spending another.
CREATE TABLE streak_freezes (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    daily_post_id INTEGER NOT NULL REFERENCES daily_posts (id),
    local_date TEXT NOT NULL,
    streak INTEGER NOT NULL,
    used_at TEXT NOT NULL,
    told_at TEXT,
    UNIQUE (guild_id, user_id, daily_post_id)
);
CREATE INDEX streak_freezes_member ON streak_freezes (guild_id, user_id, told_at);
