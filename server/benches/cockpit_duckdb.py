"""DuckDB over the cockpit's rows, exported from the SQLite data set to CSV: the
physical-limit reference for the cockpit bench. Computes open AR by due date at the 13
dates the cockpit reads (12 month ends + as_of) and the top 10 overdue customers, and
prints the timings (load excluded: what a warehouse would hold already)."""
import datetime
import os
import subprocess
import sys
import time

try:
    import duckdb
except ImportError:
    print("DuckDB reference skipped: python3 -m pip install duckdb")
    sys.exit(0)

db, as_of = sys.argv[1], datetime.date.fromisoformat(sys.argv[2])
out = os.path.join(os.path.dirname(db), "duckdb-" + os.path.splitext(os.path.basename(db))[0])
os.makedirs(out, exist_ok=True)
t = time.time()
for table, cols in [("invoices", "id, customer_id, invoice_date, due_date, amount_minor"),
                    ("allocations", "invoice_id, allocated_on, amount_minor")]:
    path = os.path.join(out, table + ".csv")
    if not os.path.exists(path):
        with open(path, "w") as f:
            subprocess.run(["sqlite3", "-csv", "-header", db, f"SELECT {cols} FROM {table}"], stdout=f, check=True)
print(f"DuckDB: export to CSV {time.time() - t:.1f} s")
con = duckdb.connect()
t = time.time()
con.execute(f"CREATE TABLE invoices AS SELECT * FROM read_csv_auto('{out}/invoices.csv')")
con.execute(f"CREATE TABLE allocations AS SELECT * FROM read_csv_auto('{out}/allocations.csv')")
print(f"DuckDB: load {time.time() - t:.1f} s")


def month_end(d):
    n = (d.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return n - datetime.timedelta(days=1)


first = as_of.replace(day=1)
dates = []
for k in range(12, 0, -1):
    m = first
    for _ in range(k):
        m = (m - datetime.timedelta(days=1)).replace(day=1)
    dates.append(month_end(m))
dates.append(as_of)
samples = []
for run in range(5):
    t = time.time()
    for d in dates:
        con.execute("""
            SELECT i.due_date, SUM(i.amount_minor - COALESCE(a.m, 0)) FROM invoices i
            LEFT JOIN (SELECT invoice_id, SUM(amount_minor) AS m FROM allocations WHERE allocated_on <= ? GROUP BY invoice_id) a
              ON a.invoice_id = i.id
            WHERE i.invoice_date <= ? GROUP BY i.due_date""", [d, d]).fetchall()
    con.execute("""
        SELECT i.customer_id, SUM(i.amount_minor - COALESCE(a.m, 0)) AS overdue FROM invoices i
        LEFT JOIN (SELECT invoice_id, SUM(amount_minor) AS m FROM allocations WHERE allocated_on <= ? GROUP BY invoice_id) a
          ON a.invoice_id = i.id
        WHERE i.invoice_date <= ? AND i.due_date < ? GROUP BY i.customer_id ORDER BY overdue DESC LIMIT 10""", [as_of, as_of, as_of]).fetchall()
    samples.append(time.time() - t)
samples.sort()
print(f"{'DuckDB over CSV rows, same aging + trend + top 10':<48} median {samples[len(samples) // 2] * 1000:>9.2f} ms   (n={len(samples)})")
