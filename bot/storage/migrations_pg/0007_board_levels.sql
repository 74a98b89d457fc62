-- PostgreSQL twin of migrations/0007_board_levels.sql: BIGINT for SQLite's 64-bit INTEGER,
-- identity columns for INTEGER PRIMARY KEY ids; same tables, columns and constraints.
-- How many members of a board hold each points total: a rank is the sum of the levels above
-- plus the ties before you, without counting tens of thousands of index entries.
CREATE TABLE score_levels (
    guild_id BIGINT NOT NULL,
    scope TEXT NOT NULL,
    points BIGINT NOT NULL,
    members BIGINT NOT NULL,
    PRIMARY KEY (guild_id, scope, points)
);

INSERT INTO score_levels (guild_id, scope, points, members)
SELECT guild_id, scope, points, COUNT(*) FROM score_totals GROUP BY guild_id, scope, points;
