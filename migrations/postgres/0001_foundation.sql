-- CreditDesk foundation schema (PostgreSQL).
-- Money: integer minor units (amount_minor) plus an ISO currency code.
-- Ledger rows (invoices, payments, allocations) are append-only: corrections are new rows.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin','executive','finance','credit_manager','sales_manager','sales_rep')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

-- Hash-chained: each row stores SHA-256(prev_hash || canonical content). `audit_head`
-- holds the chain's tip; every writing transaction updates it first, which also
-- serialises writers (see server/src/store/ledger.rs). Ids are assigned from the head,
-- so they are contiguous.
CREATE TABLE audit_log (
    id         BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    action     TEXT NOT NULL,
    before     TEXT,
    after      TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_entity ON audit_log(entity, entity_key);
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_id   BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Replayed POSTs return the first response (per API key and Idempotency-Key).
CREATE TABLE idempotency_keys (
    api_key_id   BIGINT NOT NULL REFERENCES api_keys(id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (api_key_id, key)
);

-- Finance's settings (aging edges, write-off tolerance, overdue days), as JSON values.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE customers (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                  TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    uscc                  CHAR(18) UNIQUE,
    region                TEXT NOT NULL,
    industry              TEXT NOT NULL,
    sales_rep_id          BIGINT REFERENCES users(id),
    contact_name          TEXT NOT NULL,
    contact_phone         TEXT NOT NULL,
    contact_email         TEXT NOT NULL,
    currency              CHAR(3) NOT NULL,
    payment_terms_days    INTEGER NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 3650),
    credit_limit_minor    BIGINT NOT NULL CHECK (credit_limit_minor >= 0),
    temp_limit_minor      BIGINT CHECK (temp_limit_minor > 0),
    temp_limit_expires_on DATE,
    status                TEXT NOT NULL CHECK (status IN ('normal','watch','frozen','blacklisted')),
    grade                 TEXT CHECK (grade IN ('A','B','C','D')),
    created_at            TIMESTAMPTZ NOT NULL,
    CHECK ((temp_limit_minor IS NULL) = (temp_limit_expires_on IS NULL))
);
CREATE INDEX customers_rep ON customers(sales_rep_id);

CREATE TABLE invoices (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    customer_id  BIGINT NOT NULL REFERENCES customers(id),
    order_ref    TEXT,
    invoice_date    DATE NOT NULL,
    ship_date       DATE,
    acceptance_date DATE,
    due_date        DATE NOT NULL CHECK (due_date >= invoice_date),
    amount_minor    BIGINT NOT NULL CHECK (amount_minor > 0),
    currency        CHAR(3) NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX invoices_customer ON invoices(customer_id, due_date);
CREATE INDEX invoices_order ON invoices(order_ref) WHERE order_ref IS NOT NULL;
CREATE INDEX invoices_date ON invoices(invoice_date);

CREATE TABLE payments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference    TEXT NOT NULL UNIQUE,
    customer_id  BIGINT NOT NULL REFERENCES customers(id),
    received_on  DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency     CHAR(3) NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX payments_customer ON payments(customer_id, received_on);

-- Orders: an approved order counts toward exposure until invoiced (by order_ref) or cancelled.
CREATE TABLE orders (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    customer_id  BIGINT NOT NULL REFERENCES customers(id),
    ordered_on   DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency     CHAR(3) NOT NULL,
    decision     TEXT NOT NULL CHECK (decision IN ('approved','needs_approval','blocked')),
    reasons      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE TABLE order_cancellations (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     BIGINT NOT NULL UNIQUE REFERENCES orders(id),
    cancelled_on DATE NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- A credit note reduces a named invoice (allocated at once) or stays as a credit.
CREATE TABLE credit_notes (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    customer_id  BIGINT NOT NULL REFERENCES customers(id),
    issued_on    DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency     CHAR(3) NOT NULL,
    invoice_id   BIGINT REFERENCES invoices(id),
    reason       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX credit_notes_customer ON credit_notes(customer_id, issued_on);

-- A small-difference write-off closes an invoice's last open amount (≤ the tolerance).
CREATE TABLE write_offs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id   BIGINT NOT NULL REFERENCES invoices(id),
    written_on   DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency     CHAR(3) NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- A reversal undoes one payment, credit note or write-off, with negative allocations.
CREATE TABLE reversals (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id     BIGINT UNIQUE REFERENCES payments(id),
    credit_note_id BIGINT UNIQUE REFERENCES credit_notes(id),
    write_off_id   BIGINT UNIQUE REFERENCES write_offs(id),
    reversed_on    DATE NOT NULL,
    reason         TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    CHECK (num_nonnulls(payment_id, credit_note_id, write_off_id) = 1)
);

-- What settles invoices: exactly one source document per row; reversal rows are negative.
CREATE TABLE allocations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id     BIGINT REFERENCES payments(id),
    credit_note_id BIGINT REFERENCES credit_notes(id),
    write_off_id   BIGINT REFERENCES write_offs(id),
    reversal_id    BIGINT REFERENCES reversals(id),
    invoice_id     BIGINT NOT NULL REFERENCES invoices(id),
    amount_minor   BIGINT NOT NULL CHECK (amount_minor <> 0),
    allocated_on   DATE NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    CHECK (num_nonnulls(payment_id, credit_note_id, write_off_id) = 1),
    CHECK ((reversal_id IS NULL) = (amount_minor > 0))
);
CREATE INDEX allocations_invoice ON allocations(invoice_id, allocated_on);
CREATE INDEX allocations_payment ON allocations(payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX allocations_credit_note ON allocations(credit_note_id) WHERE credit_note_id IS NOT NULL;

-- Derived balances, maintained in the same transaction as every ledger write, so the
-- credit check is a point lookup. Tests recompute them from the entries above.
CREATE TABLE customer_balances (
    customer_id         BIGINT PRIMARY KEY REFERENCES customers(id),
    open_invoices_minor BIGINT NOT NULL,
    open_orders_minor   BIGINT NOT NULL,
    unallocated_minor   BIGINT NOT NULL
);
CREATE TABLE invoice_balances (
    invoice_id  BIGINT PRIMARY KEY REFERENCES invoices(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    due_date    DATE NOT NULL,
    open_minor  BIGINT NOT NULL CHECK (open_minor >= 0)
);
CREATE INDEX invoice_balances_open ON invoice_balances(customer_id, due_date) WHERE open_minor > 0;

-- Posted ledger rows and the audit trail are never edited or deleted.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER invoices_append_only BEFORE UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER allocations_append_only BEFORE UPDATE OR DELETE ON allocations FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER orders_append_only BEFORE UPDATE OR DELETE ON orders FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER order_cancellations_append_only BEFORE UPDATE OR DELETE ON order_cancellations FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER credit_notes_append_only BEFORE UPDATE OR DELETE ON credit_notes FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER write_offs_append_only BEFORE UPDATE OR DELETE ON write_offs FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER reversals_append_only BEFORE UPDATE OR DELETE ON reversals FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
