-- A dishonoured acceptance bill is a domain event (`bill_dishonoured`) that event rules
-- may react to. SQLite cannot change a CHECK in place, so the table is rebuilt with its
-- rows and ids; nothing references it.
CREATE TABLE domain_events_new (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('invoice_created','payment_posted','promise_broken','status_changed','grade_changed','bill_dishonoured')),
    customer_id    INTEGER NOT NULL REFERENCES customers(id),
    invoice_id     INTEGER REFERENCES invoices(id),
    -- The document the event is about: the invoice, payment, promise or bill; the
    -- customer for a status or grade change.
    subject_id     INTEGER NOT NULL,
    -- The rule whose action raised it: that rule is not fired again by its own event.
    caused_by_rule INTEGER REFERENCES rules(id),
    occurred_at    TEXT NOT NULL,
    handled_at     TEXT
) STRICT;
INSERT INTO domain_events_new (id, kind, customer_id, invoice_id, subject_id, caused_by_rule, occurred_at, handled_at)
    SELECT id, kind, customer_id, invoice_id, subject_id, caused_by_rule, occurred_at, handled_at FROM domain_events;
DROP TABLE domain_events;
ALTER TABLE domain_events_new RENAME TO domain_events;
CREATE INDEX domain_events_pending ON domain_events(id) WHERE handled_at IS NULL;
