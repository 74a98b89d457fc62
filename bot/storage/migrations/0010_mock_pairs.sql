-- Pair mode of mock interviews (issue 15): an invitation to a partner, valid 10 minutes, and
-- once accepted the private thread where the two interview each other. candidate_id answers the
-- current round (session_id, a normal mock session); the other member interviews.
CREATE TABLE mock_pairs (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    channel_id INTEGER NOT NULL,
    inviter_id INTEGER NOT NULL,
    partner_id INTEGER NOT NULL,
    round TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'accepted', 'declined', 'expired', 'ended')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,              -- of the invitation
    thread_id INTEGER,
    candidate_id INTEGER,
    session_id INTEGER
);
-- One pending invitation per inviter: a double /mock cannot post two.
CREATE UNIQUE INDEX mock_pairs_pending ON mock_pairs (inviter_id) WHERE state = 'pending';
CREATE INDEX mock_pairs_session ON mock_pairs (session_id);

-- The interviewer's one line of feedback on a candidate's round (ratings: mock_ratings, partner).
CREATE TABLE mock_feedback (
    session_id INTEGER PRIMARY KEY REFERENCES mock_sessions (id) ON DELETE CASCADE,
    rater_id INTEGER NOT NULL,
    feedback TEXT
);
