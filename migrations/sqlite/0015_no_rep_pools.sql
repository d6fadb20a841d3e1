-- A task pooled to the sales-rep role let every rep read and work another rep's
-- customer (issue 21). Pools are now only for roles that see every customer; a task
-- already pooled to reps goes to the customer's own rep, or to the sales managers
-- when the customer has none.
UPDATE collection_tasks
   SET assignee_id = (SELECT c.sales_rep_id FROM customers c WHERE c.id = collection_tasks.customer_id),
       assignee_role = CASE
           WHEN (SELECT c.sales_rep_id FROM customers c WHERE c.id = collection_tasks.customer_id) IS NULL
           THEN 'sales_manager' END
 WHERE assignee_role = 'sales_rep' AND assignee_id IS NULL;
