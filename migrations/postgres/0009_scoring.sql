-- Credit scoring (server/src/store/scoring.rs).
--
-- A model version's spec is the JSON of app::domain::scoring::ModelDraft; the server
-- parses it whole (ScoringModel::try_from) before storing it and again when reading it.
-- Versions are never edited, only added. The active one is the setting
-- `scoring.active_version` (audited like every setting); while none is stored, or the
-- setting names 0, the built-in default model (version 0) scores.
CREATE TABLE scoring_models (
    version    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    spec       TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Exactly once: a run is claimed by inserting its key (`monthly:2026-11`,
-- `manual:<uuid>`) and only the inserting caller runs it. The claimer holds a lease
-- (owner, heartbeat_at) that every page it writes renews and checks; a run a crash left
-- unfinished is taken over once its lease is stale and resumes after the last customer
-- it scored.
CREATE TABLE scoring_runs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_key      TEXT NOT NULL UNIQUE,
    owner        TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    customers    BIGINT NOT NULL DEFAULT 0 CHECK (customers >= 0),
    changed      BIGINT NOT NULL DEFAULT 0 CHECK (changed >= 0)
);

-- Every score with the model version that made it and its per-indicator lines (JSON of
-- Vec<ScoreLine>); a customer is scored at most once per run.
CREATE TABLE credit_scores (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id     BIGINT NOT NULL REFERENCES customers(id),
    model_version   BIGINT NOT NULL CHECK (model_version >= 0),
    as_of           DATE NOT NULL,
    score           TEXT NOT NULL,
    grade           TEXT NOT NULL CHECK (grade IN ('A','B','C','D')),
    lines           TEXT NOT NULL,
    sales_12m_minor BIGINT NOT NULL,
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    scored_at       TIMESTAMPTZ NOT NULL,
    run_id          BIGINT NOT NULL REFERENCES scoring_runs(id)
);
CREATE INDEX credit_scores_customer ON credit_scores(customer_id, id);
CREATE UNIQUE INDEX credit_scores_once ON credit_scores(run_id, customer_id);

-- The manually maintained indicators: per customer, and the risk factor per industry
-- (higher is riskier). Decimals are kept as text, parsed on the way out.
CREATE TABLE customer_factors (
    customer_id              BIGINT PRIMARY KEY REFERENCES customers(id),
    registered_capital_minor BIGINT CHECK (registered_capital_minor >= 0),
    external_rating          TEXT
);

CREATE TABLE industry_risk (
    industry TEXT PRIMARY KEY,
    factor   TEXT NOT NULL
);

-- The industries the demo generator uses (server/src/seed.rs).
INSERT INTO industry_risk (industry, factor) VALUES
    ('建筑施工', '1.1'),
    ('矿山开采', '1.4'),
    ('市政工程', '0.9'),
    ('设备租赁', '1.2'),
    ('水利水电', '0.9'),
    ('道路桥梁', '1.0'),
    ('房地产开发', '1.5');
