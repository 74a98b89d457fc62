-- PostgreSQL twin of migrations/0005_practice_once.sql: BIGINT for SQLite's 64-bit INTEGER,
-- identity columns for INTEGER PRIMARY KEY ids; same tables, columns and constraints.
-- Issue 11: a double press must take effect once. The row count of a guarded statement
-- decides for state changes; these keys decide where one row is meant.

-- One self-grade session per member and daily post. Duplicates made by double presses
-- before this migration keep their grades but are detached from the post (nothing deleted).
UPDATE quiz_sessions SET daily_post_id = NULL
WHERE daily_post_id IS NOT NULL
  AND id NOT IN (
      SELECT MIN(id) FROM quiz_sessions WHERE daily_post_id IS NOT NULL
      GROUP BY user_id, daily_post_id
  );
CREATE UNIQUE INDEX quiz_sessions_daily_once ON quiz_sessions (user_id, daily_post_id)
    WHERE daily_post_id IS NOT NULL;

-- One report per member per thing reported ('session:<id>' or 'daily:<post id>'); older
-- reports have no source and stay as they are.
ALTER TABLE reports ADD COLUMN source TEXT;
CREATE UNIQUE INDEX reports_once ON reports (user_id, source) WHERE source IS NOT NULL;

-- Daily self-grade sessions now start 'revealed' (grading is guarded on answered/revealed);
-- one left 'open' by a crash between its creation and its grade can still be graded.
UPDATE quiz_sessions SET state = 'revealed' WHERE mode = 'daily' AND state = 'open';
