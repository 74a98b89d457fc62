-- How many members of a board hold each points total: a rank is the sum of the levels above
-- plus the ties before you, without counting tens of thousands of index entries.
CREATE TABLE score_levels (
    guild_id INTEGER NOT NULL,
    scope TEXT NOT NULL,
    points INTEGER NOT NULL,
    members INTEGER NOT NULL,
    PRIMARY KEY (guild_id, scope, points)
) WITHOUT ROWID;

INSERT INTO score_levels (guild_id, scope, points, members)
SELECT guild_id, scope, points, COUNT(*) FROM score_totals GROUP BY guild_id, scope, points;
