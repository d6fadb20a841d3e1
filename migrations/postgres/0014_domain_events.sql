-- Domain events, recorded by the transaction that causes them (a transactional outbox):
-- an invoice created, a payment posted, a promise broken, a status or a grade changed.
-- The rule engine reads the unhandled ones in id order, a page at a time, and marks a
-- page handled in the transaction that applies its firings, so each event is consumed
-- once; a crash in between leaves the page unhandled and the firings' dedupe keys make
-- the retry harmless.
CREATE TABLE domain_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('invoice_created','payment_posted','promise_broken','status_changed','grade_changed')),
    customer_id    BIGINT NOT NULL REFERENCES customers(id),
    invoice_id     BIGINT REFERENCES invoices(id),
    -- The document the event is about: the invoice, payment or promise; the customer
    -- for a status or grade change.
    subject_id     BIGINT NOT NULL,
    -- The rule whose action raised it: that rule is not fired again by its own event.
    caused_by_rule BIGINT REFERENCES rules(id),
    occurred_at    TIMESTAMPTZ NOT NULL,
    handled_at     TIMESTAMPTZ
);
CREATE INDEX domain_events_pending ON domain_events(id) WHERE handled_at IS NULL;
