-- Acceptance bills receivable (应收票据, app/src/domain/bills.rs). A received bill is a
-- payment (reference = the bill number) that settles invoices, plus this row; its
-- lifecycle steps are appended to bill_steps and never edited, the last one being its
-- state. A dishonour reverses the payment, reopening the invoices it settled.
CREATE TABLE bills (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    payment_id  INTEGER NOT NULL UNIQUE REFERENCES payments(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    kind        TEXT NOT NULL CHECK (kind IN ('bank', 'commercial')),
    medium      TEXT NOT NULL CHECK (medium IN ('electronic', 'paper')),
    acceptor    TEXT NOT NULL,
    issued_on   TEXT NOT NULL,
    received_on TEXT NOT NULL,
    matures_on  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    CHECK (issued_on <= received_on AND received_on < matures_on)
) STRICT;
CREATE INDEX bills_maturity ON bills(matures_on);
CREATE INDEX bills_customer ON bills(customer_id);

CREATE TABLE bill_steps (
    id             INTEGER PRIMARY KEY,
    bill_id        INTEGER NOT NULL REFERENCES bills(id),
    -- 1, 2, … per bill: two steps taken at once cannot both follow the same state.
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    step           TEXT NOT NULL CHECK (step IN ('endorse', 'discount', 'collect', 'dishonour')),
    taken_on       TEXT NOT NULL,
    counterparty   TEXT,
    interest_minor INTEGER CHECK (interest_minor >= 0),
    note           TEXT,
    created_at     TEXT NOT NULL,
    UNIQUE (bill_id, seq)
) STRICT;
