-- The audit chain becomes an HMAC-SHA256 chain under a key derived from the master key
-- (server/src/vault). `keyed` = 0 marks a trail still chained with plain SHA-256: the
-- server checks it once and re-keys it at start (server/src/store/audit.rs). An empty
-- trail starts keyed.
ALTER TABLE audit_head ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
UPDATE audit_head SET keyed = 1 WHERE last_id = 0;

-- Identifies the master key this database was written with (never the key itself).
CREATE TABLE master_key_check (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    mac TEXT NOT NULL
);
