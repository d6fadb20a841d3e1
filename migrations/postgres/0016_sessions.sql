-- Sessions end 30 idle minutes (configurable) after their last request as well as 12
-- hours after sign-in; a user's list of sessions shows when, from where and on what
-- each was opened. A disabled user signs in nowhere.
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ;
UPDATE sessions SET last_seen_at = created_at;
ALTER TABLE sessions ALTER COLUMN last_seen_at SET NOT NULL;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_expiry ON sessions(expires_at);
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;
