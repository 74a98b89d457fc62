-- PostgreSQL twin of migrations/0003_reveal_claim.sql: BIGINT for SQLite's 64-bit INTEGER,
-- identity columns for INTEGER PRIMARY KEY ids; same tables, columns and constraints.
-- A reveal is claimed in the database before it is sent: a run killed half-way through one
-- (or through /drill reveal-now) finishes it on start, and a second path meanwhile skips it.
ALTER TABLE daily_posts ADD COLUMN reveal_claimed_by TEXT;
ALTER TABLE daily_posts ADD COLUMN reveal_claimed_at TEXT;
