-- The rule engine (app::domain::rules, server/src/store/rules.rs).
--
-- Customers gain what rules set and test: a type, the dunning level, a risk level and the
-- payment method new orders need. Rules only tighten these (see the domain module).
ALTER TABLE customers ADD COLUMN customer_type TEXT NOT NULL DEFAULT 'dealer';
ALTER TABLE customers ADD COLUMN dunning_level TEXT NOT NULL DEFAULT 'none'
    CHECK (dunning_level IN ('none','friendly','formal','legal'));
ALTER TABLE customers ADD COLUMN risk_level TEXT NOT NULL DEFAULT 'low'
    CHECK (risk_level IN ('low','medium','high'));
ALTER TABLE customers ADD COLUMN payment_method TEXT NOT NULL DEFAULT 'credit'
    CHECK (payment_method IN ('credit','prepayment'));

-- A rule's spec is the JSON of RuleDraft, parsed whole before it is stored and when read.
-- Rules are archived, never deleted, so their firings keep their rule.
CREATE TABLE rules (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    spec        TEXT NOT NULL,
    created_on  DATE NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    archived_at TIMESTAMPTZ
);

-- The run lease: one row per (rule, date), claimed by inserting it. The claimer renews
-- heartbeat_at under the writers' lock with every page it writes; a run left unfinished
-- is taken over once stale and resumes after `cursor` (the last target id written).
CREATE TABLE rule_runs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id      BIGINT NOT NULL REFERENCES rules(id),
    run_date     DATE NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('schedule','admin')),
    owner        TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    cursor       BIGINT NOT NULL DEFAULT 0,
    evaluated    BIGINT NOT NULL DEFAULT 0 CHECK (evaluated >= 0),
    firings      BIGINT NOT NULL DEFAULT 0 CHECK (firings >= 0),
    failures     BIGINT NOT NULL DEFAULT 0 CHECK (failures >= 0),
    UNIQUE (rule_id, run_date)
);
CREATE INDEX rule_runs_recent ON rule_runs(started_at DESC);

-- Exactly once: a firing is inserted under its dedupe key, and its actions are applied
-- only by the transaction whose insert created the row.
CREATE TABLE rule_firings (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key    TEXT NOT NULL UNIQUE,
    rule_id       BIGINT NOT NULL REFERENCES rules(id),
    run_id        BIGINT REFERENCES rule_runs(id),
    as_of         DATE NOT NULL,
    customer_id   BIGINT REFERENCES customers(id),
    invoice_id    BIGINT REFERENCES invoices(id),
    overdue_minor BIGINT NOT NULL,
    actions       TEXT NOT NULL,
    fired_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX rule_firings_run ON rule_firings(run_id);
CREATE INDEX rule_firings_customer ON rule_firings(customer_id, id);

-- The transactional outbox: messages are written with their firing and delivered later
-- by the outbox worker, with retries and backoff. A claim (claimed_by, claimed_until) is
-- taken by an UPDATE that re-checks it, so two workers never send one message at once.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firing_id       BIGINT REFERENCES rule_firings(id),
    channel         TEXT NOT NULL CHECK (channel IN ('email','webhook')),
    destination     TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending','sent','dead')),
    attempts        BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_by      TEXT,
    claimed_until   TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_firing ON outbox(firing_id);

CREATE TABLE delivery_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES outbox(id),
    attempt   BIGINT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('sent','failed','dead')),
    detail    TEXT NOT NULL
);
CREATE INDEX delivery_log_message ON delivery_log(outbox_id, id);

-- Collection tasks (rules' "create task" action; the collections workbench builds on it).
CREATE TABLE collection_tasks (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id   BIGINT NOT NULL REFERENCES customers(id),
    invoice_id    BIGINT REFERENCES invoices(id),
    firing_id     BIGINT REFERENCES rule_firings(id),
    assignee_id   BIGINT REFERENCES users(id),
    assignee_role TEXT,
    kind          TEXT NOT NULL CHECK (kind IN ('call','visit','advanced','legal')),
    priority      TEXT NOT NULL CHECK (priority IN ('low','normal','high','urgent')),
    status        TEXT NOT NULL CHECK (status IN ('open','done','cancelled')),
    due_on        DATE NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK (assignee_id IS NOT NULL OR assignee_role IS NOT NULL)
);
CREATE INDEX collection_tasks_assignee ON collection_tasks(assignee_id, status);
CREATE INDEX collection_tasks_customer ON collection_tasks(customer_id);

-- Dunning fees (per level reached) and interest (per overdue invoice over from_date..to_date,
-- never overlapping). Charges stay when the principal is paid; a waiver would be a new row.
CREATE TABLE dunning_charges (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  BIGINT NOT NULL REFERENCES customers(id),
    invoice_id   BIGINT REFERENCES invoices(id),
    firing_id    BIGINT REFERENCES rule_firings(id),
    kind         TEXT NOT NULL CHECK (kind IN ('fee','interest')),
    level        TEXT NOT NULL CHECK (level IN ('friendly','formal','legal')),
    from_date    DATE,
    to_date      DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX dunning_charges_customer ON dunning_charges(customer_id);
CREATE INDEX dunning_charges_invoice ON dunning_charges(invoice_id, to_date);

-- Admin API keys may call the admin endpoints (POST /api/v1/rule-runs).
ALTER TABLE api_keys ADD COLUMN admin BOOLEAN NOT NULL DEFAULT FALSE;
