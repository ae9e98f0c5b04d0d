DROP TABLE user_tokens;
DROP TABLE app_sessions;
