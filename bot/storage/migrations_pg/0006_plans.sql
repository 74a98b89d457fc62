-- PostgreSQL twin of migrations/0006_plans.sql: BIGINT for SQLite's 64-bit INTEGER,
-- identity columns for INTEGER PRIMARY KEY ids; same tables, columns and constraints.
-- Study plans (issue 15): one active plan per member, its dates and the optional DM reminder.
CREATE TABLE study_plans (
    user_id BIGINT PRIMARY KEY,
    guild_id BIGINT,
    first_day TEXT NOT NULL,        -- YYYY-MM-DD in the plan's timezone
    interview_day TEXT NOT NULL,
    timezone TEXT NOT NULL,
    remind_at TEXT,                 -- HH:MM local, NULL: no reminder
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'stopped')),
    created_at TEXT NOT NULL
);
