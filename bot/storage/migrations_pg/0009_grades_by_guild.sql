-- PostgreSQL twin of migrations/0009_grades_by_guild.sql (portable as written).
-- /drill gaps and focus:auto read one guild's self-grades of the last weeks; without this the
-- whole quiz_sessions table (every guild's practice) is scanned (benchmarks/gaps.py).
CREATE INDEX quiz_sessions_guild_graded ON quiz_sessions (guild_id, graded_at)
    WHERE grade IS NOT NULL;
