-- PostgreSQL twin of migrations/0008_daily_focus.sql (portable as written).
-- Issue 16: /drill setup focus:auto makes the daily rotation favour the group's weakest topics
-- (bot/gaps.py); 'off' keeps the plain least-used, longest-ago rotation.
ALTER TABLE guild_settings ADD COLUMN focus TEXT NOT NULL DEFAULT 'off'
    CHECK (focus IN ('off', 'auto'));
