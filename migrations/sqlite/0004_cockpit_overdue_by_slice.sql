-- The cockpit's overdue-customer count per slice without joining customers
-- (server/src/store/aggregates.rs): how many customers of each slice have their oldest
-- open due date on each day. Customers overdue at D = Σ customers with oldest_due < D,
-- a range of at most one row per day. Kept with customer_balances.oldest_due in every
-- ledger write's transaction; rows may fall to 0 and stay (they add nothing).
CREATE TABLE ar_oldest (
    dim        TEXT NOT NULL,
    dim_key    TEXT NOT NULL,
    oldest_due TEXT NOT NULL,
    customers  INTEGER NOT NULL,
    PRIMARY KEY (dim, dim_key, oldest_due)
) STRICT, WITHOUT ROWID;

-- A slice's customer mix and its top-overdue candidates read these instead of scanning
-- every customer (the grade mix uses customers_grade from 0003).
CREATE INDEX customers_region_mix ON customers(region, grade, status);
CREATE INDEX customers_rep_mix ON customers(sales_rep_id, grade, status);

-- The flows after a date for every key of a dimension (the region, grade and rep splits
-- at a date inside a month) are read from the index alone.
DROP INDEX ar_flow_eff;
CREATE INDEX ar_flow_eff ON ar_flow(dim, eff_date, dim_key, due_date, open_minor);

WITH keyed AS (
    SELECT 'all' AS dim, '' AS k, b.oldest_due AS due FROM customer_balances b WHERE b.oldest_due IS NOT NULL
    UNION ALL SELECT 'rep', COALESCE(CAST(c.sales_rep_id AS TEXT), ''), b.oldest_due
        FROM customer_balances b JOIN customers c ON c.id = b.customer_id WHERE b.oldest_due IS NOT NULL
    UNION ALL SELECT 'region', c.region, b.oldest_due
        FROM customer_balances b JOIN customers c ON c.id = b.customer_id WHERE b.oldest_due IS NOT NULL
    UNION ALL SELECT 'grade', COALESCE(c.grade, ''), b.oldest_due
        FROM customer_balances b JOIN customers c ON c.id = b.customer_id WHERE b.oldest_due IS NOT NULL
)
INSERT INTO ar_oldest (dim, dim_key, oldest_due, customers)
SELECT dim, k, due, COUNT(*) FROM keyed GROUP BY dim, k, due;
