-- Customer groups (集团): project companies of one contractor group buy against one real
-- risk, so the group has a limit of its own beside each member's (app/src/domain/groups.rs).
-- The limit is in the book currency; only customers billed in it may join.
CREATE TABLE customer_groups (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    limit_minor INTEGER NOT NULL CHECK (limit_minor >= 0),
    currency    TEXT NOT NULL CHECK (length(currency) = 3),
    created_at  TEXT NOT NULL
) STRICT;
ALTER TABLE customers ADD COLUMN group_id INTEGER REFERENCES customer_groups(id);
CREATE INDEX customers_group ON customers(group_id) WHERE group_id IS NOT NULL;
