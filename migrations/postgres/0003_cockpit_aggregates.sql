-- The cockpit's maintained aggregates, kept in the same transaction as every ledger write
-- (server/src/store/aggregates.rs), so the cockpit reads O(open state), not O(history).
-- Each is kept per slice: dim 'all' (key ''), 'rep' (the rep's user id), 'region',
-- 'grade' ('' for ungraded), keyed by the customer's attributes when the row was written.

-- Changes of open AR: +amount on the invoice date, -allocation on its date (or on the
-- invoice date when that is later: an invoice is open AR only from its date), by due date.
CREATE TABLE ar_flow (
    dim        TEXT NOT NULL,
    dim_key    TEXT NOT NULL,
    eff_date   DATE NOT NULL,
    due_date   DATE NOT NULL,
    open_minor BIGINT NOT NULL,
    PRIMARY KEY (dim, dim_key, eff_date, due_date)
);
CREATE INDEX ar_flow_eff ON ar_flow(dim, eff_date);

-- Month-end snapshots: open AR by due date at the end of every month since the first
-- entry (= the sum of ar_flow dated on or before month_end). ar_months lists them,
-- contiguous; open AR at any date = its month's snapshot - the flows after the date.
CREATE TABLE ar_months (
    month_end DATE PRIMARY KEY
);
CREATE TABLE ar_snap (
    dim        TEXT NOT NULL,
    dim_key    TEXT NOT NULL,
    month_end  DATE NOT NULL,
    due_date   DATE NOT NULL,
    open_minor BIGINT NOT NULL,
    PRIMARY KEY (dim, month_end, dim_key, due_date)
);

-- Per day: credit sales (invoice date), amounts falling due (due date), cash received
-- (payments' received date, less payment reversals on their date).
CREATE TABLE ar_days (
    dim         TEXT NOT NULL,
    dim_key     TEXT NOT NULL,
    day         DATE NOT NULL,
    sales_minor BIGINT NOT NULL,
    due_minor   BIGINT NOT NULL,
    cash_minor  BIGINT NOT NULL,
    PRIMARY KEY (dim, dim_key, day)
);
CREATE INDEX ar_days_day ON ar_days(dim, day);

-- A customer's oldest open due date: overdue customers and the top overdue are index reads.
ALTER TABLE customer_balances ADD COLUMN oldest_due DATE;
CREATE INDEX customer_balances_oldest ON customer_balances(oldest_due);
CREATE INDEX customer_balances_open ON customer_balances(open_invoices_minor);
CREATE INDEX customers_grade ON customers(grade, status);

-- Backfill from the ledger.
UPDATE customer_balances SET oldest_due =
    (SELECT MIN(b.due_date) FROM invoice_balances b WHERE b.customer_id = customer_balances.customer_id AND b.open_minor > 0);

WITH flows AS (
    SELECT customer_id, invoice_date AS eff, due_date AS due, amount_minor AS m FROM invoices
    UNION ALL
    SELECT i.customer_id, GREATEST(a.allocated_on, i.invoice_date), i.due_date, -a.amount_minor FROM allocations a JOIN invoices i ON i.id = a.invoice_id
), keyed AS (
    SELECT 'all' AS dim, '' AS k, eff, due, m FROM flows
    UNION ALL SELECT 'rep', COALESCE(CAST(c.sales_rep_id AS TEXT), ''), eff, due, m FROM flows f JOIN customers c ON c.id = f.customer_id
    UNION ALL SELECT 'region', c.region, eff, due, m FROM flows f JOIN customers c ON c.id = f.customer_id
    UNION ALL SELECT 'grade', COALESCE(c.grade, ''), eff, due, m FROM flows f JOIN customers c ON c.id = f.customer_id
)
INSERT INTO ar_flow (dim, dim_key, eff_date, due_date, open_minor)
SELECT dim, k, eff, due, CAST(SUM(m) AS BIGINT) FROM keyed GROUP BY dim, k, eff, due;

INSERT INTO ar_months (month_end)
SELECT (g + INTERVAL '1 month' - INTERVAL '1 day')::date
FROM (SELECT MIN(eff_date) AS lo, MAX(eff_date) AS hi FROM ar_flow WHERE dim = 'all') b,
     generate_series(date_trunc('month', b.lo), date_trunc('month', b.hi), INTERVAL '1 month') AS g
WHERE b.lo IS NOT NULL;

INSERT INTO ar_snap (dim, dim_key, month_end, due_date, open_minor)
SELECT f.dim, f.dim_key, m.month_end, f.due_date, CAST(SUM(f.open_minor) AS BIGINT)
FROM ar_flow f JOIN ar_months m ON f.eff_date <= m.month_end
GROUP BY f.dim, f.dim_key, m.month_end, f.due_date
HAVING SUM(f.open_minor) <> 0;

WITH days AS (
    SELECT customer_id, invoice_date AS day, amount_minor AS s, CAST(0 AS BIGINT) AS d, CAST(0 AS BIGINT) AS c FROM invoices
    UNION ALL SELECT customer_id, due_date, 0, amount_minor, 0 FROM invoices
    UNION ALL SELECT customer_id, received_on, 0, 0, amount_minor FROM payments
    UNION ALL SELECT p.customer_id, r.reversed_on, 0, 0, -p.amount_minor FROM reversals r JOIN payments p ON p.id = r.payment_id
), keyed AS (
    SELECT 'all' AS dim, '' AS k, day, s, d, c FROM days
    UNION ALL SELECT 'rep', COALESCE(CAST(cu.sales_rep_id AS TEXT), ''), day, s, d, c FROM days x JOIN customers cu ON cu.id = x.customer_id
    UNION ALL SELECT 'region', cu.region, day, s, d, c FROM days x JOIN customers cu ON cu.id = x.customer_id
    UNION ALL SELECT 'grade', COALESCE(cu.grade, ''), day, s, d, c FROM days x JOIN customers cu ON cu.id = x.customer_id
)
INSERT INTO ar_days (dim, dim_key, day, sales_minor, due_minor, cash_minor)
SELECT dim, k, day, CAST(SUM(s) AS BIGINT), CAST(SUM(d) AS BIGINT), CAST(SUM(c) AS BIGINT) FROM keyed GROUP BY dim, k, day;
