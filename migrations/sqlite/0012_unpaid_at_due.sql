-- What was still unpaid on each invoice at its due date: the amount less every allocation
-- dated on or before the due date (reversals included, as negative rows). Maintained with
-- open_minor by the one function that writes allocations (server/src/store/ledger.rs,
-- `settle`), so "invoices that went overdue in the last 12 months" — a rule field and a
-- scoring indicator — is an index range count instead of a probe per invoice.
ALTER TABLE invoice_balances ADD COLUMN unpaid_at_due_minor INTEGER NOT NULL DEFAULT 0;
UPDATE invoice_balances SET unpaid_at_due_minor =
    (SELECT i.amount_minor FROM invoices i WHERE i.id = invoice_balances.invoice_id)
  - COALESCE((SELECT SUM(a.amount_minor) FROM allocations a
               WHERE a.invoice_id = invoice_balances.invoice_id AND a.allocated_on <= invoice_balances.due_date), 0);
CREATE INDEX invoice_balances_late ON invoice_balances(customer_id, due_date) WHERE unpaid_at_due_minor > 0;
