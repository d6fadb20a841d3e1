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
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    spec        TEXT NOT NULL,
    created_on  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    archived_at TEXT
) STRICT;

-- The run lease: one row per (rule, date), claimed by inserting it. The claimer renews
-- heartbeat_at under the writers' lock with every page it writes; a run left unfinished
-- is taken over once stale and resumes after `cursor` (the last target id written).
CREATE TABLE rule_runs (
    id           INTEGER PRIMARY KEY,
    rule_id      INTEGER NOT NULL REFERENCES rules(id),
    run_date     TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('schedule','admin')),
    owner        TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    finished_at  TEXT,
    cursor       INTEGER NOT NULL DEFAULT 0,
    evaluated    INTEGER NOT NULL DEFAULT 0 CHECK (evaluated >= 0),
    firings      INTEGER NOT NULL DEFAULT 0 CHECK (firings >= 0),
    failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    UNIQUE (rule_id, run_date)
) STRICT;
CREATE INDEX rule_runs_recent ON rule_runs(started_at DESC);

-- Exactly once: a firing is inserted under its dedupe key, and its actions are applied
-- only by the transaction whose insert created the row.
CREATE TABLE rule_firings (
    id            INTEGER PRIMARY KEY,
    dedupe_key    TEXT NOT NULL UNIQUE,
    rule_id       INTEGER NOT NULL REFERENCES rules(id),
    run_id        INTEGER REFERENCES rule_runs(id),
    as_of         TEXT NOT NULL,
    customer_id   INTEGER REFERENCES customers(id),
    invoice_id    INTEGER REFERENCES invoices(id),
    overdue_minor INTEGER NOT NULL,
    actions       TEXT NOT NULL,
    fired_at      TEXT NOT NULL
) STRICT;
CREATE INDEX rule_firings_run ON rule_firings(run_id);
CREATE INDEX rule_firings_customer ON rule_firings(customer_id, id);

-- The transactional outbox: messages are written with their firing and delivered later
-- by the outbox worker, with retries and backoff. A claim (claimed_by, claimed_until) is
-- taken by an UPDATE that re-checks it, so two workers never send one message at once.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    firing_id       INTEGER REFERENCES rule_firings(id),
    channel         TEXT NOT NULL CHECK (channel IN ('email','webhook')),
    destination     TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending','sent','dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,
    claimed_until   TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_firing ON outbox(firing_id);

CREATE TABLE delivery_log (
    id        INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    attempt   INTEGER NOT NULL,
    at        TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('sent','failed','dead')),
    detail    TEXT NOT NULL
) STRICT;
CREATE INDEX delivery_log_message ON delivery_log(outbox_id, id);

-- Collection tasks (rules' "create task" action; the collections workbench builds on it).
CREATE TABLE collection_tasks (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers(id),
    invoice_id    INTEGER REFERENCES invoices(id),
    firing_id     INTEGER REFERENCES rule_firings(id),
    assignee_id   INTEGER REFERENCES users(id),
    assignee_role TEXT,
    kind          TEXT NOT NULL CHECK (kind IN ('call','visit','advanced','legal')),
    priority      TEXT NOT NULL CHECK (priority IN ('low','normal','high','urgent')),
    status        TEXT NOT NULL CHECK (status IN ('open','done','cancelled')),
    due_on        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CHECK (assignee_id IS NOT NULL OR assignee_role IS NOT NULL)
) STRICT;
CREATE INDEX collection_tasks_assignee ON collection_tasks(assignee_id, status);
CREATE INDEX collection_tasks_customer ON collection_tasks(customer_id);

-- Dunning fees (per level reached) and interest (per overdue invoice over from_date..to_date,
-- never overlapping). Charges stay when the principal is paid; a waiver would be a new row.
CREATE TABLE dunning_charges (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    invoice_id   INTEGER REFERENCES invoices(id),
    firing_id    INTEGER REFERENCES rule_firings(id),
    kind         TEXT NOT NULL CHECK (kind IN ('fee','interest')),
    level        TEXT NOT NULL CHECK (level IN ('friendly','formal','legal')),
    from_date    TEXT,
    to_date      TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX dunning_charges_customer ON dunning_charges(customer_id);
CREATE INDEX dunning_charges_invoice ON dunning_charges(invoice_id, to_date);

-- Admin API keys may call the admin endpoints (POST /api/v1/rule-runs).
ALTER TABLE api_keys ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
