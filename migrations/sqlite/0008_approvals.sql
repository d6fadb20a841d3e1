-- Credit applications and their approval chains.
--
-- The routing policy (chains, routes, adjustments) is finance's setting
-- `approval.policy` (JSON of app::domain::approval::PolicyDraft), audited like every
-- setting. On submission the routed chain is copied into `applications.steps`, so
-- editing the policy never changes an application in flight.
--
-- Exactly once: the scheduler's SLA reminders and escalations are rows of
-- `application_events` under a partial unique index per (application, round, step,
-- kind); two ticks (or two servers) racing insert one, and only the inserting one
-- notifies (notifications are keyed on the event's id).

-- Whose manager a user is ("the applicant's manager" in a chain step).
ALTER TABLE users ADD COLUMN manager_id INTEGER REFERENCES users(id);

CREATE TABLE applications (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers(id),
    kind            TEXT NOT NULL CHECK (kind IN ('permanent_limit','temporary_limit','order')),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    expires_on      TEXT,
    terms_days      INTEGER CHECK (terms_days BETWEEN 0 AND 365),
    reason          TEXT NOT NULL,
    order_id        INTEGER REFERENCES orders(id),
    applicant_id    INTEGER NOT NULL REFERENCES users(id),
    chain_key       TEXT NOT NULL,
    chain_name      TEXT NOT NULL,
    steps           TEXT NOT NULL,
    facts           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending','approved','rejected','returned')),
    round           INTEGER NOT NULL DEFAULT 1,
    current_step    INTEGER NOT NULL DEFAULT 0,
    step_started_at TEXT NOT NULL,
    escalated       INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    decided_at      TEXT,
    CHECK ((kind = 'temporary_limit') = (expires_on IS NOT NULL)),
    CHECK ((kind = 'order') = (order_id IS NOT NULL))
) STRICT;
CREATE INDEX applications_status ON applications(status, id);
CREATE INDEX applications_customer ON applications(customer_id, id);
CREATE UNIQUE INDEX applications_one_per_order ON applications(order_id) WHERE order_id IS NOT NULL;

-- The trail: submissions, decisions, reminders and escalations, in order.
CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    round          INTEGER NOT NULL,
    step           INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('submit','approve','reject','return','reminder','escalation')),
    actor_id       INTEGER REFERENCES users(id),
    on_behalf_of   INTEGER REFERENCES users(id),
    comment        TEXT NOT NULL DEFAULT '',
    at             TEXT NOT NULL
) STRICT;
CREATE INDEX application_events_app ON application_events(application_id, id);
CREATE UNIQUE INDEX application_events_sla_once ON application_events(application_id, round, step, kind)
    WHERE kind IN ('reminder','escalation');

CREATE TABLE application_attachments (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL CHECK (content_type IN ('application/pdf','image/png','image/jpeg')),
    size_bytes     INTEGER NOT NULL CHECK (size_bytes > 0),
    content        BLOB NOT NULL,
    uploaded_by    INTEGER NOT NULL REFERENCES users(id),
    uploaded_at    TEXT NOT NULL
) STRICT;
CREATE INDEX application_attachments_app ON application_attachments(application_id);

-- "While I am away, to_user acts for me", whole business days.
CREATE TABLE delegations (
    id         INTEGER PRIMARY KEY,
    from_user  INTEGER NOT NULL REFERENCES users(id),
    to_user    INTEGER NOT NULL REFERENCES users(id),
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (from_user <> to_user),
    CHECK (starts_on <= ends_on)
) STRICT;
CREATE INDEX delegations_to ON delegations(to_user, ends_on);
