-- CreditDesk foundation schema (PostgreSQL).
-- Money: BIGINT minor units (amount_minor) plus an ISO currency code.
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

CREATE TABLE audit_log (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     TIMESTAMPTZ NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);

CREATE TABLE customers (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                  TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    uscc                  CHAR(18) NOT NULL UNIQUE,
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
    invoice_date DATE NOT NULL,
    due_date     DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency     CHAR(3) NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX invoices_customer ON invoices(customer_id, due_date);
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

CREATE TABLE allocations (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id   BIGINT NOT NULL REFERENCES payments(id),
    invoice_id   BIGINT NOT NULL REFERENCES invoices(id),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    allocated_on DATE NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX allocations_invoice ON allocations(invoice_id, allocated_on);
CREATE INDEX allocations_payment ON allocations(payment_id);

-- Posted ledger rows are never edited or deleted.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER invoices_append_only BEFORE UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER allocations_append_only BEFORE UPDATE OR DELETE ON allocations FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
