-- Acceptance bills receivable (应收票据, app/src/domain/bills.rs). A received bill is a
-- payment (reference = the bill number) that settles invoices, plus this row; its
-- lifecycle steps are appended to bill_steps and never edited, the last one being its
-- state. A dishonour reverses the payment, reopening the invoices it settled.
CREATE TABLE bills (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    payment_id  BIGINT NOT NULL UNIQUE REFERENCES payments(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    kind        TEXT NOT NULL CHECK (kind IN ('bank', 'commercial')),
    medium      TEXT NOT NULL CHECK (medium IN ('electronic', 'paper')),
    acceptor    TEXT NOT NULL,
    issued_on   DATE NOT NULL,
    received_on DATE NOT NULL,
    matures_on  DATE NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK (issued_on <= received_on AND received_on < matures_on)
);
CREATE INDEX bills_maturity ON bills(matures_on);
CREATE INDEX bills_customer ON bills(customer_id);

CREATE TABLE bill_steps (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_id        BIGINT NOT NULL REFERENCES bills(id),
    -- 1, 2, … per bill: two steps taken at once cannot both follow the same state.
    seq            BIGINT NOT NULL CHECK (seq >= 1),
    step           TEXT NOT NULL CHECK (step IN ('endorse', 'discount', 'collect', 'dishonour')),
    taken_on       DATE NOT NULL,
    counterparty   TEXT,
    interest_minor BIGINT CHECK (interest_minor >= 0),
    note           TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (bill_id, seq)
);
