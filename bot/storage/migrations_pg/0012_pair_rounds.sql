-- Issue 23: the pair a mock round was started in, so a pair's rating and feedback buttons can
-- only name that pair's rounds (never a member's solo round, whatever a crafted id says).
ALTER TABLE mock_sessions ADD COLUMN pair_id BIGINT;
CREATE INDEX mock_sessions_pair ON mock_sessions (pair_id);
