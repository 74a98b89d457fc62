-- PostgreSQL twin of migrations/0015_button_answers.sql: BIGINT for SQLite's 64-bit INTEGER.
-- Issue 27: answers given with the daily post's Answer button on a thread-mode day. The answer
-- is stored first, then the bot posts it into the thread under the member's name; message_id
-- is set the moment Discord takes that message (answers.message_id too, so stars and Best
-- answer credit the author). A row still without one after a crash is looked for in the thread
-- before it is sent, so each answer is posted once.
CREATE TABLE button_answers (
    answer_id BIGINT PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    daily_post_id BIGINT NOT NULL REFERENCES daily_posts (id),
    interaction_id BIGINT NOT NULL UNIQUE,          -- one answer per modal submit
    message_id BIGINT
);
CREATE INDEX button_answers_post ON button_answers (daily_post_id, message_id);
