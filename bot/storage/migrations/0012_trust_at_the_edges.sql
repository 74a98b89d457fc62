-- Issue 23: the pair a mock round was started in, so a pair's rating and feedback buttons can
-- only name that pair's rounds (never a member's solo round, whatever a crafted id says).
ALTER TABLE mock_sessions ADD COLUMN pair_id INTEGER;
CREATE INDEX mock_sessions_pair ON mock_sessions (pair_id);

-- A blind answer given after the reveal was claimed: stored for the member's history, never
-- scored and never published (they are told so), even if the reveal's plan is made after it.
ALTER TABLE blind_entries ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
