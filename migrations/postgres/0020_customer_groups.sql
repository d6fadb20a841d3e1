-- Customer groups (集团): project companies of one contractor group buy against one real
-- risk, so the group has a limit of its own beside each member's (app/src/domain/groups.rs).
-- The limit is in the book currency; only customers billed in it may join.
CREATE TABLE customer_groups (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    limit_minor BIGINT NOT NULL CHECK (limit_minor >= 0),
    currency    CHAR(3) NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
ALTER TABLE customers ADD COLUMN group_id BIGINT REFERENCES customer_groups(id);
CREATE INDEX customers_group ON customers(group_id) WHERE group_id IS NOT NULL;
