-- Mock interviews (issue 15): one private session per member at a time, its questions in order,
-- every answer (main question and follow-ups), and the ratings given at the end.
CREATE TABLE mock_sessions (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    user_id INTEGER NOT NULL,
    round TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'active'
        CHECK (state IN ('active', 'rating', 'done', 'abandoned', 'expired')),
    position INTEGER NOT NULL DEFAULT 0,   -- the question being answered (0-based)
    step INTEGER NOT NULL DEFAULT 0,       -- 0: the question, 1..n: its follow-ups
    step_shown_at TEXT NOT NULL,           -- when the current step was released
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    finished_at TEXT
);
-- One open session per member: a double press of /mock cannot start two.
CREATE UNIQUE INDEX mock_sessions_open ON mock_sessions (user_id)
    WHERE state IN ('active', 'rating');
CREATE INDEX mock_sessions_user ON mock_sessions (user_id, started_at);

CREATE TABLE mock_items (
    session_id INTEGER NOT NULL REFERENCES mock_sessions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    budget_s INTEGER NOT NULL,
    follow_ups TEXT NOT NULL,              -- JSON list of the follow-ups released one at a time
    PRIMARY KEY (session_id, position)
);

CREATE TABLE mock_answers (
    session_id INTEGER NOT NULL REFERENCES mock_sessions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    step INTEGER NOT NULL,
    content TEXT NOT NULL,
    shown_at TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    over_time INTEGER NOT NULL,
    PRIMARY KEY (session_id, position, step)   -- a second submit of one step changes nothing
);

CREATE TABLE mock_ratings (
    session_id INTEGER NOT NULL REFERENCES mock_sessions (id) ON DELETE CASCADE,
    signal TEXT NOT NULL,
    rater TEXT NOT NULL CHECK (rater IN ('self', 'partner')),
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 4),
    PRIMARY KEY (session_id, signal, rater)
);
