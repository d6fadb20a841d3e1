-- A customer's sensitive fields (app/src/domain/pii.rs), each sealed with AES-256-GCM
-- under a key derived from the master key (server/src/vault): `v1:` + base64, never the
-- clear value. `bank_account_index` is a keyed HMAC of the account number (a blind
-- index): equal accounts match, the number itself cannot be read back from it.
CREATE TABLE customer_pii (
    customer_id         BIGINT PRIMARY KEY REFERENCES customers(id),
    legal_rep_name      TEXT,
    legal_rep_id_number TEXT,
    bank_name           TEXT,
    bank_account        TEXT,
    bank_account_index  TEXT,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX customer_pii_bank_account ON customer_pii(bank_account_index);
