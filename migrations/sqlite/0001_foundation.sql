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

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE customers (
    id                    INTEGER PRIMARY KEY,
    code                  TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    uscc                  TEXT NOT NULL UNIQUE CHECK (length(uscc) = 18),
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
    invoice_date TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX invoices_customer ON invoices(customer_id, due_date);
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

CREATE TABLE allocations (
    id           INTEGER PRIMARY KEY,
    payment_id   INTEGER NOT NULL REFERENCES payments(id),
    invoice_id   INTEGER NOT NULL REFERENCES invoices(id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    allocated_on TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX allocations_invoice ON allocations(invoice_id, allocated_on);
CREATE INDEX allocations_payment ON allocations(payment_id);

-- Posted ledger rows are never edited or deleted.
CREATE TRIGGER invoices_append_only_u BEFORE UPDATE ON invoices BEGIN SELECT RAISE(ABORT, 'invoices are append-only'); END;
CREATE TRIGGER invoices_append_only_d BEFORE DELETE ON invoices BEGIN SELECT RAISE(ABORT, 'invoices are append-only'); END;
CREATE TRIGGER payments_append_only_u BEFORE UPDATE ON payments BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER payments_append_only_d BEFORE DELETE ON payments BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER allocations_append_only_u BEFORE UPDATE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER allocations_append_only_d BEFORE DELETE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
