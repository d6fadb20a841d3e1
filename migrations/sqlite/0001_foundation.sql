-- CreditDesk foundation schema (SQLite).
-- Money: integer minor units (amount_minor) plus an ISO currency code.
-- Ledger rows (invoices, payments, allocations) are append-only: corrections are new rows.
-- Dates are ISO-8601 TEXT (YYYY-MM-DD), which sorts and compares correctly.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin','executive','finance','credit_manager','sales_manager','sales_rep')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

-- Hash-chained: each row stores SHA-256(prev_hash || canonical content). `audit_head`
-- holds the chain's tip; every writing transaction updates it first, which also
-- serialises writers (see server/src/store/ledger.rs). Ids are assigned from the head,
-- so they are contiguous.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    action     TEXT NOT NULL,
    before     TEXT,
    after      TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX audit_entity ON audit_log(entity, entity_key);
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_id   INTEGER NOT NULL,
    last_hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Replayed POSTs return the first response (per API key and Idempotency-Key).
CREATE TABLE idempotency_keys (
    api_key_id   INTEGER NOT NULL REFERENCES api_keys(id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (api_key_id, key)
) STRICT;

-- Finance's settings (aging edges, write-off tolerance, overdue days), as JSON values.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE customers (
    id                    INTEGER PRIMARY KEY,
    code                  TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    uscc                  TEXT UNIQUE CHECK (length(uscc) = 18),
    region                TEXT NOT NULL,
    industry              TEXT NOT NULL,
    sales_rep_id          INTEGER REFERENCES users(id),
    contact_name          TEXT NOT NULL,
    contact_phone         TEXT NOT NULL,
    contact_email         TEXT NOT NULL,
    currency              TEXT NOT NULL CHECK (length(currency) = 3),
    payment_terms_days    INTEGER NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 3650),
    credit_limit_minor    INTEGER NOT NULL CHECK (credit_limit_minor >= 0),
    temp_limit_minor      INTEGER CHECK (temp_limit_minor > 0),
    temp_limit_expires_on TEXT,
    status                TEXT NOT NULL CHECK (status IN ('normal','watch','frozen','blacklisted')),
    grade                 TEXT CHECK (grade IN ('A','B','C','D')),
    created_at            TEXT NOT NULL,
    CHECK ((temp_limit_minor IS NULL) = (temp_limit_expires_on IS NULL))
) STRICT;
CREATE INDEX customers_rep ON customers(sales_rep_id);

CREATE TABLE invoices (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    order_ref    TEXT,
    invoice_date    TEXT NOT NULL,
    ship_date       TEXT,
    acceptance_date TEXT,
    due_date        TEXT NOT NULL CHECK (due_date >= invoice_date),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX invoices_customer ON invoices(customer_id, due_date);
CREATE INDEX invoices_order ON invoices(order_ref) WHERE order_ref IS NOT NULL;
CREATE INDEX invoices_date ON invoices(invoice_date);

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    reference    TEXT NOT NULL UNIQUE,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    received_on  TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX payments_customer ON payments(customer_id, received_on);

-- Orders: an approved order counts toward exposure until invoiced (by order_ref) or cancelled.
CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    ordered_on   TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    decision     TEXT NOT NULL CHECK (decision IN ('approved','needs_approval','blocked')),
    reasons      TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX orders_customer ON orders(customer_id);
CREATE TABLE order_cancellations (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL UNIQUE REFERENCES orders(id),
    cancelled_on TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

-- A credit note reduces a named invoice (allocated at once) or stays as a credit.
CREATE TABLE credit_notes (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    issued_on    TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    invoice_id   INTEGER REFERENCES invoices(id),
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX credit_notes_customer ON credit_notes(customer_id, issued_on);

-- A small-difference write-off closes an invoice's last open amount (≤ the tolerance).
CREATE TABLE write_offs (
    id           INTEGER PRIMARY KEY,
    invoice_id   INTEGER NOT NULL REFERENCES invoices(id),
    written_on   TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

-- A reversal undoes one payment, credit note or write-off, with negative allocations.
CREATE TABLE reversals (
    id             INTEGER PRIMARY KEY,
    payment_id     INTEGER UNIQUE REFERENCES payments(id),
    credit_note_id INTEGER UNIQUE REFERENCES credit_notes(id),
    write_off_id   INTEGER UNIQUE REFERENCES write_offs(id),
    reversed_on    TEXT NOT NULL,
    reason         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    CHECK ((payment_id IS NOT NULL) + (credit_note_id IS NOT NULL) + (write_off_id IS NOT NULL) = 1)
) STRICT;

-- What settles invoices: exactly one source document per row; reversal rows are negative.
CREATE TABLE allocations (
    id             INTEGER PRIMARY KEY,
    payment_id     INTEGER REFERENCES payments(id),
    credit_note_id INTEGER REFERENCES credit_notes(id),
    write_off_id   INTEGER REFERENCES write_offs(id),
    reversal_id    INTEGER REFERENCES reversals(id),
    invoice_id     INTEGER NOT NULL REFERENCES invoices(id),
    amount_minor   INTEGER NOT NULL CHECK (amount_minor <> 0),
    allocated_on   TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    CHECK ((payment_id IS NOT NULL) + (credit_note_id IS NOT NULL) + (write_off_id IS NOT NULL) = 1),
    CHECK ((reversal_id IS NULL) = (amount_minor > 0))
) STRICT;
CREATE INDEX allocations_invoice ON allocations(invoice_id, allocated_on);
CREATE INDEX allocations_payment ON allocations(payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX allocations_credit_note ON allocations(credit_note_id) WHERE credit_note_id IS NOT NULL;

-- Derived balances, maintained in the same transaction as every ledger write, so the
-- credit check is a point lookup. Tests recompute them from the entries above.
CREATE TABLE customer_balances (
    customer_id         INTEGER PRIMARY KEY REFERENCES customers(id),
    open_invoices_minor INTEGER NOT NULL,
    open_orders_minor   INTEGER NOT NULL,
    unallocated_minor   INTEGER NOT NULL
) STRICT;
CREATE TABLE invoice_balances (
    invoice_id  INTEGER PRIMARY KEY REFERENCES invoices(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    due_date    TEXT NOT NULL,
    open_minor  INTEGER NOT NULL CHECK (open_minor >= 0)
) STRICT;
CREATE INDEX invoice_balances_open ON invoice_balances(customer_id, due_date) WHERE open_minor > 0;

-- Posted ledger rows and the audit trail are never edited or deleted.
CREATE TRIGGER invoices_append_only_u BEFORE UPDATE ON invoices BEGIN SELECT RAISE(ABORT, 'invoices are append-only'); END;
CREATE TRIGGER invoices_append_only_d BEFORE DELETE ON invoices BEGIN SELECT RAISE(ABORT, 'invoices are append-only'); END;
CREATE TRIGGER payments_append_only_u BEFORE UPDATE ON payments BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER payments_append_only_d BEFORE DELETE ON payments BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER allocations_append_only_u BEFORE UPDATE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER allocations_append_only_d BEFORE DELETE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER orders_append_only_u BEFORE UPDATE ON orders BEGIN SELECT RAISE(ABORT, 'orders are append-only'); END;
CREATE TRIGGER orders_append_only_d BEFORE DELETE ON orders BEGIN SELECT RAISE(ABORT, 'orders are append-only'); END;
CREATE TRIGGER order_cancellations_append_only_u BEFORE UPDATE ON order_cancellations BEGIN SELECT RAISE(ABORT, 'order_cancellations are append-only'); END;
CREATE TRIGGER order_cancellations_append_only_d BEFORE DELETE ON order_cancellations BEGIN SELECT RAISE(ABORT, 'order_cancellations are append-only'); END;
CREATE TRIGGER credit_notes_append_only_u BEFORE UPDATE ON credit_notes BEGIN SELECT RAISE(ABORT, 'credit_notes are append-only'); END;
CREATE TRIGGER credit_notes_append_only_d BEFORE DELETE ON credit_notes BEGIN SELECT RAISE(ABORT, 'credit_notes are append-only'); END;
CREATE TRIGGER write_offs_append_only_u BEFORE UPDATE ON write_offs BEGIN SELECT RAISE(ABORT, 'write_offs are append-only'); END;
CREATE TRIGGER write_offs_append_only_d BEFORE DELETE ON write_offs BEGIN SELECT RAISE(ABORT, 'write_offs are append-only'); END;
CREATE TRIGGER reversals_append_only_u BEFORE UPDATE ON reversals BEGIN SELECT RAISE(ABORT, 'reversals are append-only'); END;
CREATE TRIGGER reversals_append_only_d BEFORE DELETE ON reversals BEGIN SELECT RAISE(ABORT, 'reversals are append-only'); END;
CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log are append-only'); END;
CREATE TRIGGER audit_log_append_only_d BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log are append-only'); END;
