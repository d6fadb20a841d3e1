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
ALTER TABLE users ADD COLUMN manager_id BIGINT REFERENCES users(id);

CREATE TABLE applications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id     BIGINT NOT NULL REFERENCES customers(id),
    kind            TEXT NOT NULL CHECK (kind IN ('permanent_limit','temporary_limit','order')),
    amount_minor    BIGINT NOT NULL CHECK (amount_minor > 0),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    expires_on      DATE,
    terms_days      BIGINT CHECK (terms_days BETWEEN 0 AND 365),
    reason          TEXT NOT NULL,
    order_id        BIGINT REFERENCES orders(id),
    applicant_id    BIGINT NOT NULL REFERENCES users(id),
    chain_key       TEXT NOT NULL,
    chain_name      TEXT NOT NULL,
    steps           TEXT NOT NULL,
    facts           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending','approved','rejected','returned')),
    round           BIGINT NOT NULL DEFAULT 1,
    current_step    BIGINT NOT NULL DEFAULT 0,
    step_started_at TIMESTAMPTZ NOT NULL,
    escalated       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    decided_at      TIMESTAMPTZ,
    CHECK ((kind = 'temporary_limit') = (expires_on IS NOT NULL)),
    CHECK ((kind = 'order') = (order_id IS NOT NULL))
);
CREATE INDEX applications_status ON applications(status, id);
CREATE INDEX applications_customer ON applications(customer_id, id);
CREATE UNIQUE INDEX applications_one_per_order ON applications(order_id) WHERE order_id IS NOT NULL;

-- The trail: submissions, decisions, reminders and escalations, in order.
CREATE TABLE application_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    round          BIGINT NOT NULL,
    step           BIGINT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('submit','approve','reject','return','reminder','escalation')),
    actor_id       BIGINT REFERENCES users(id),
    on_behalf_of   BIGINT REFERENCES users(id),
    comment        TEXT NOT NULL DEFAULT '',
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX application_events_app ON application_events(application_id, id);
CREATE UNIQUE INDEX application_events_sla_once ON application_events(application_id, round, step, kind)
    WHERE kind IN ('reminder','escalation');

CREATE TABLE application_attachments (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL CHECK (content_type IN ('application/pdf','image/png','image/jpeg')),
    size_bytes     BIGINT NOT NULL CHECK (size_bytes > 0),
    content        BYTEA NOT NULL,
    uploaded_by    BIGINT NOT NULL REFERENCES users(id),
    uploaded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX application_attachments_app ON application_attachments(application_id);

-- "While I am away, to_user acts for me", whole business days.
CREATE TABLE delegations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_user  BIGINT NOT NULL REFERENCES users(id),
    to_user    BIGINT NOT NULL REFERENCES users(id),
    starts_on  DATE NOT NULL,
    ends_on    DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (from_user <> to_user),
    CHECK (starts_on <= ends_on)
);
CREATE INDEX delegations_to ON delegations(to_user, ends_on);
