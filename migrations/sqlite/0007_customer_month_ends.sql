-- Each customer's open and overdue AR at every month end (server/src/store/aggregates.rs),
-- kept in the same transaction as every ledger write. Overdue customers and the top 10 at
-- any past date then read one month end's rows plus less than a month of documents,
-- instead of every invoice open then: open(c, D) = open(c, P) + the flows dated in
-- (P, D]; overdue(c, D) adds the invoices falling due in [P, D) too (P = the month end
-- on or before D). Rows that would be (0, 0) are not kept.
CREATE TABLE cust_snap (
    month_end     TEXT NOT NULL,
    customer_id   INTEGER NOT NULL,
    open_minor    INTEGER NOT NULL,
    overdue_minor INTEGER NOT NULL,
    PRIMARY KEY (month_end, customer_id)
) STRICT, WITHOUT ROWID;

-- The invoices falling due in a window (a new month end, and the days before a date).
CREATE INDEX invoices_due ON invoices(due_date);

WITH flows AS (
    SELECT customer_id, invoice_date AS eff, due_date AS due, amount_minor AS m FROM invoices
    UNION ALL
    SELECT i.customer_id, max(a.allocated_on, i.invoice_date), i.due_date, -a.amount_minor FROM allocations a JOIN invoices i ON i.id = a.invoice_id
)
INSERT INTO cust_snap (month_end, customer_id, open_minor, overdue_minor)
SELECT m.month_end, f.customer_id, SUM(f.m), SUM(CASE WHEN f.due < m.month_end THEN f.m ELSE 0 END)
FROM flows f JOIN ar_months m ON f.eff <= m.month_end
GROUP BY m.month_end, f.customer_id
HAVING SUM(f.m) <> 0 OR SUM(CASE WHEN f.due < m.month_end THEN f.m ELSE 0 END) <> 0;
