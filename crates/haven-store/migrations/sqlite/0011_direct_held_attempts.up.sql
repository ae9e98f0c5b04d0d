-- Wrong answers (or wrong e-mail addresses) given when picking up a message held for the
-- newuser@ address; the third locks it (haven_domain::direct::MAX_HELD_ANSWER_ATTEMPTS).
ALTER TABLE direct_held_messages ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
