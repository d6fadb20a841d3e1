-- Collections workbench: contacts, promises to pay, disputes, and what tasks need to be
-- worked and closed. Every row a phone writes carries the phone's client id (UNIQUE), so
-- a write replayed by the offline queue is recognised and applied once.

-- How much a customer matters (a factor of the tasks' priority score).
ALTER TABLE customers ADD COLUMN importance TEXT NOT NULL DEFAULT 'normal' CHECK (importance IN ('key','normal','low'));

ALTER TABLE collection_tasks ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_tasks ADD COLUMN created_by TEXT NOT NULL DEFAULT 'rules';
ALTER TABLE collection_tasks ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE collection_tasks ADD COLUMN closed_by TEXT;
ALTER TABLE collection_tasks ADD COLUMN closed_note TEXT;
CREATE INDEX collection_tasks_role ON collection_tasks(assignee_role, status);

CREATE TABLE collection_contacts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id      TEXT NOT NULL UNIQUE,
    customer_id    BIGINT NOT NULL REFERENCES customers(id),
    task_id        BIGINT REFERENCES collection_tasks(id),
    user_id        BIGINT NOT NULL REFERENCES users(id),
    channel        TEXT NOT NULL CHECK (channel IN ('call','visit','message')),
    outcome        TEXT NOT NULL CHECK (outcome IN ('reached','no_answer','promised','disputed','refused')),
    notes          TEXT NOT NULL,
    next_action_on DATE,
    contacted_on   DATE NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX collection_contacts_customer ON collection_contacts(customer_id, id);
CREATE INDEX collection_contacts_user ON collection_contacts(user_id, contacted_on);

-- A promise keeps the grace days it was made with, so changing finance's terms never
-- re-judges an old promise.
CREATE TABLE promises (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    customer_id  BIGINT NOT NULL REFERENCES customers(id),
    task_id      BIGINT REFERENCES collection_tasks(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    made_on      DATE NOT NULL,
    due_on       DATE NOT NULL,
    grace_days   BIGINT NOT NULL CHECK (grace_days >= 0),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    notes        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending','kept','broken')),
    settled_on   DATE,
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK (due_on >= made_on)
);
CREATE INDEX promises_customer ON promises(customer_id, status);
CREATE INDEX promises_user ON promises(user_id, made_on);
CREATE INDEX promises_pending ON promises(status, due_on);

CREATE TABLE promise_invoices (
    promise_id BIGINT NOT NULL REFERENCES promises(id),
    invoice_id BIGINT NOT NULL REFERENCES invoices(id),
    PRIMARY KEY (promise_id, invoice_id)
);

CREATE TABLE disputes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id   TEXT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    task_id     BIGINT REFERENCES collection_tasks(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    category    TEXT NOT NULL CHECK (category IN ('quality','delivery','price','quantity','other')),
    reason      TEXT NOT NULL,
    opened_on   DATE NOT NULL,
    resolved_on DATE,
    resolution  TEXT,
    resolved_by TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX disputes_customer ON disputes(customer_id, resolved_on);

CREATE TABLE dispute_invoices (
    dispute_id BIGINT NOT NULL REFERENCES disputes(id),
    invoice_id BIGINT NOT NULL REFERENCES invoices(id),
    PRIMARY KEY (dispute_id, invoice_id)
);
CREATE INDEX dispute_invoices_invoice ON dispute_invoices(invoice_id);
