-- Issue 22.7: a /drill setup after today's post time starts tomorrow, as its reply says. The
-- instant of the last schedule change; a slot before it is never due (NULL: no limit, so
-- catch-up after downtime is unchanged for every guild set up before this migration).
ALTER TABLE guild_settings ADD COLUMN starts_after TEXT;
