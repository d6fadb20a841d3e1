-- A dishonoured acceptance bill is a domain event (`bill_dishonoured`) that event rules
-- may react to; the bill is the event's subject.
ALTER TABLE domain_events DROP CONSTRAINT domain_events_kind_check;
ALTER TABLE domain_events ADD CONSTRAINT domain_events_kind_check
    CHECK (kind IN ('invoice_created','payment_posted','promise_broken','status_changed','grade_changed','bill_dishonoured'));
