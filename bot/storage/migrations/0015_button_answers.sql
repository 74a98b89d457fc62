-- Issue 27: answers given with the daily post's Answer button on a thread-mode day (typed
-- thread answers need the privileged Message Content intent; a modal needs none). The answer
-- is stored first, then the bot posts it into the thread under the member's name; message_id
-- is set the moment Discord takes that message (answers.message_id too, so stars and Best
-- answer credit the author). A row still without one after a crash is looked for in the thread
-- before it is sent, so each answer is posted once.
CREATE TABLE button_answers (
    answer_id INTEGER PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    daily_post_id INTEGER NOT NULL REFERENCES daily_posts (id),
    interaction_id INTEGER NOT NULL UNIQUE,         -- one answer per modal submit
    message_id INTEGER
);
CREATE INDEX button_answers_post ON button_answers (daily_post_id, message_id);
