-- API keys get explicit scopes (read, ledger:write, credit:write, pii:read, admin), an
-- optional expiry, a last-used time and a per-minute rate limit. Existing keys keep
-- what they could do: read and post documents, plus the admin endpoints if flagged.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,ledger:write';
UPDATE api_keys SET scopes = 'read,ledger:write,admin' WHERE admin;
ALTER TABLE api_keys DROP COLUMN admin;
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMPTZ;
ALTER TABLE api_keys ADD COLUMN rate_per_minute INTEGER NOT NULL DEFAULT 6000
    CHECK (rate_per_minute > 0);
