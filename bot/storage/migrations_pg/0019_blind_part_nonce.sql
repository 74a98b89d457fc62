-- PostgreSQL twin of migrations/0019_blind_part_nonce.sql.
-- Issue 21: a blind answer's published parts are found again by what is stored, not by parsing
-- the text Discord shows. Each part's nonce is stored just before it is sent, its message id
-- (blind_parts.message_id) the moment Discord returns it; a row with a nonce and no message id
-- is the one part Discord may have taken before a crash, looked for by that nonce.
ALTER TABLE blind_parts ADD COLUMN nonce TEXT;
