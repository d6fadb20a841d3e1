-- Portfolio alert history and the in-app inbox.
--
-- An alert episode opens when a rule starts tripping and closes on the first evaluation
-- where it no longer does. At most one episode per kind is open at a time (the partial
-- unique index), so two evaluations racing (two servers, a tick and a settings save)
-- cannot open it twice, and so cannot notify twice.
CREATE TABLE alert_episodes (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    raised_on   DATE NOT NULL,
    figure      TEXT NOT NULL,
    threshold   TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    cleared_on  DATE,
    raised_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX alert_episodes_one_open ON alert_episodes (kind) WHERE cleared_on IS NULL;
CREATE INDEX alert_episodes_recent ON alert_episodes (raised_on DESC, id DESC);

-- One row per user per event: the UNIQUE key makes delivery idempotent.
CREATE TABLE notifications (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    topic       TEXT NOT NULL,
    ref_id      BIGINT NOT NULL,
    link        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ,
    UNIQUE (user_id, topic, ref_id)
);
CREATE INDEX notifications_inbox ON notifications (user_id, id DESC);
