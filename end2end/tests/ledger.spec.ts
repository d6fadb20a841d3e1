// The ledger's pages, as finance uses them: payment entry with the FIFO suggestion and a
// manual allocation, the aging report (totals, drill-down, export, bucket edges), and an
// import whose one bad row imports nothing and lists the problem.
import { expect, Page, test } from "@playwright/test";
import { login, minor, snap, waitForHydration } from "./helpers";

const FINANCE = "liu.fang";

/** The code of the customer with the most overdue (the list's first row). */
async function busiestCustomer(page: Page): Promise<string> {
  await page.goto("/customers");
  const code = (await page.getByTestId("customer-row").first().locator("td.mono").textContent())!.trim();
  expect(code).toMatch(/^C\d+/);
  return code;
}

function yuan(minorUnits: number): string {
  const sign = minorUnits < 0 ? "-" : "";
  const abs = Math.abs(minorUnits);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

test("payment entry suggests FIFO, lets finance edit the allocation, and posts what it showed", async ({ page }, info) => {
  await login(page, FINANCE);
  const code = await busiestCustomer(page);
  await page.goto(`/payments/new?customer=${code}`);
  await waitForHydration(page);
  const rows = page.getByTestId("alloc-row");
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeGreaterThanOrEqual(2);
  const count = await rows.count();
  const opens: number[] = [];
  for (let i = 0; i < count; i++) opens.push(minor((await rows.nth(i).locator("td").nth(3).textContent())!));
  const all = opens.reduce((a, b) => a + b, 0);
  const firstNo = (await rows.nth(0).locator("td").first().textContent())!.trim();
  const left = async () => minor((await page.getByTestId("payment-preview").locator(".strong").textContent())!);

  // FIFO: every open invoice is filled, oldest due first, and 10.00 beyond them all
  // stays as a credit.
  const reference = `PW-${info.project.name}-${Date.now()}`;
  await page.getByTestId("pay-reference").fill(reference);
  await page.getByTestId("pay-amount").fill(yuan(all + 1000));
  for (let i = 0; i < count; i++) await expect(rows.nth(i).locator("input")).toHaveValue(yuan(opens[i]));
  expect(await left()).toBe(1000);
  // Less money: the oldest is filled, the next gets the rest, later ones nothing.
  await page.getByTestId("pay-amount").fill(yuan(opens[0] + 5000));
  await expect(rows.nth(0).locator("input")).toHaveValue(yuan(opens[0]));
  await expect(rows.nth(1).locator("input")).toHaveValue(yuan(Math.min(5000, opens[1])));
  if (count > 2 && opens[1] >= 5000) await expect(rows.nth(2).locator("input")).toHaveValue("");
  await snap(page, info, "payment-fifo");

  // Manual: start from the suggestion, then change it. Over-allocating a line is
  // refused on the spot, naming the invoice; the post button stays disabled.
  await page.getByTestId("mode-manual").click();
  await expect(rows.nth(0).locator("input")).toHaveValue(yuan(opens[0]));
  await rows.nth(0).locator("input").fill(yuan(opens[0] + 1));
  await expect(page.getByTestId("payment-problem")).toContainText(firstNo);
  await expect(page.getByTestId("post-payment")).toBeDisabled();
  await rows.nth(0).locator("input").fill("100.00");
  for (let i = 1; i < count; i++) await rows.nth(i).locator("input").fill("");
  await expect(page.getByTestId("payment-preview")).toContainText("1");
  expect(await left()).toBe(opens[0] + 5000 - 10000);
  await snap(page, info, "payment-manual");

  await page.getByTestId("post-payment").click();
  const posted = page.getByTestId("payment-posted");
  await expect(posted).toContainText(reference);
  await expect(posted).toContainText(firstNo);
  await expect(posted.locator("li")).toHaveCount(1);

  // The customer page shows the payment with exactly that allocation.
  await posted.getByRole("link").click();
  const item = page.getByTestId("payment-item").filter({ hasText: reference });
  await expect(item).toContainText(firstNo);
  await expect(item).toContainText("100.00");
  await expect(page.getByTestId("credit-gauge")).toBeVisible();
  await snap(page, info, "customer-after-payment");
});

test("the aging report adds up, drills into a bucket, exports, and takes finance's edges", async ({ page }, info) => {
  await login(page, FINANCE);
  await page.goto("/aging");
  await waitForHydration(page);
  const rows = page.getByTestId("bucket-row");
  await expect(rows).toHaveCount(5);
  let sum = 0;
  for (let i = 0; i < 5; i++) sum += minor((await rows.nth(i).locator("td").nth(1).textContent())!);
  expect(sum).toBe(minor((await page.getByTestId("aging-sum").textContent())!));
  await snap(page, info, "aging");

  // Drill into 31-60: every invoice listed is 31 to 60 days past due at that date.
  await page.locator('[data-bucket="31-60"] a').click();
  await expect(page).toHaveURL(/\/invoices\?.*bucket=31-60/);
  const listed = page.getByTestId("invoice-row");
  await expect(listed.first()).toBeVisible();
  const n = await listed.count();
  for (let i = 0; i < n; i++) {
    const dpd = Number((await listed.nth(i).locator("td").nth(8).textContent())!.trim());
    expect(dpd).toBeGreaterThanOrEqual(31);
    expect(dpd).toBeLessThanOrEqual(60);
  }
  await snap(page, info, "invoices-bucket");

  // Sorting by open amount, descending, keeps the filter.
  await page.getByTestId("filter-sort").selectOption("open");
  await page.getByTestId("filter-desc").selectOption("1");
  await page.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(/sort=open/);
  await expect(page).toHaveURL(/desc=1/);
  await expect(page).toHaveURL(/bucket=31-60/);
  // The new rows replace the old ones after the URL changes: wait for them, not a fixed time.
  const opens = page.getByTestId("invoice-row").locator("td:nth-child(8)");
  await expect
    .poll(async () => {
      const values = (await opens.allTextContents()).map(minor);
      return values.length > 1 && values.every((v, i) => i === 0 || values[i - 1] >= v);
    }, { message: "rows sorted by open amount, largest first" })
    .toBe(true);

  // Both export formats download with the right type.
  await page.goto("/aging?basis=invoice");
  await expect(page.getByTestId("bucket-row").first()).toHaveAttribute("data-bucket", "0-30");
  for (const [id, type] of [["export-xlsx", "spreadsheetml"], ["export-csv", "text/csv"]]) {
    const href = await page.getByTestId(id).getAttribute("href");
    const res = await page.request.get(href!);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toContain(type);
  }

  // Finance changes the due-date edges; the report follows; then they are restored.
  await page.goto("/aging");
  await waitForHydration(page);
  await page.getByTestId("edges-input").fill("0, 15, 30, 60, 90");
  await page.getByTestId("edges-save").click();
  await expect(page.locator('[data-bucket="16-30"]')).toBeVisible();
  await expect(page.getByTestId("bucket-row")).toHaveCount(6);
  await page.getByTestId("edges-input").fill("0, 30, 60, x");
  await page.getByTestId("edges-save").click();
  await expect(page.getByRole("alert")).toContainText("'x'");
  await page.getByTestId("edges-input").fill("0, 30, 60, 90");
  await page.getByTestId("edges-save").click();
  await expect(page.getByTestId("bucket-row")).toHaveCount(5);
});

test("an import with one bad row imports nothing and reports the row and column", async ({ page }, info) => {
  await login(page, FINANCE);
  await page.goto("/import");
  await waitForHydration(page);
  const stamp = `${Date.now() % 100000}`.padStart(5, "0");
  const good1 = `PWA${info.project.name === "phone" ? "P" : "D"}${stamp}`;
  const good2 = `${good1}B`;
  const csv =
    "code,name,uscc,region,payment_terms_days,credit_limit\n" +
    `${good1},Playwright One,,华东,30,100000.00\n` +
    `${good2},Playwright Two,91350100M000100Y44,华东,30,100000.00\n` +
    `${good1}C,Playwright Three,,华东,30,5.001\n`;
  await page.getByTestId("import-kind").selectOption("customers");
  await page.getByTestId("import-file").setInputFiles({ name: "customers.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByTestId("import-submit").click();
  const job = page.getByTestId("import-job");
  await expect(job).toHaveAttribute("data-phase", "bad");
  const problems = page.getByTestId("import-error");
  await expect(problems.filter({ hasText: "uscc" })).toContainText("3");
  await expect(problems.filter({ hasText: "credit_limit" })).toContainText("4");
  await snap(page, info, "import-rejected");

  // Nothing from the file exists, not even its good row.
  await page.goto(`/customers?q=${good1}`);
  await expect(page.getByTestId("no-customers")).toBeVisible();

  // The corrected file imports, all of it.
  await page.goto("/import");
  await waitForHydration(page);
  const fixed = csv.replace("91350100M000100Y44", "").replace("5.001", "5.00");
  await page.getByTestId("import-kind").selectOption("customers");
  await page.getByTestId("import-file").setInputFiles({ name: "customers.csv", mimeType: "text/csv", buffer: Buffer.from(fixed) });
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-job")).toHaveAttribute("data-phase", "ok");
  await expect(page.getByTestId("import-phase")).toContainText("3");
  await page.goto(`/customers?q=${good1}`);
  await expect(page.getByTestId("customer-row")).toHaveCount(3);

  // The templates download.
  const res = await page.request.get("/export/template/invoices.xlsx");
  expect(res.status()).toBe(200);
});

test("finance's other pages render: adjustments and the audit trail", async ({ page }, info) => {
  await login(page, FINANCE);
  await page.goto("/adjustments");
  await waitForHydration(page);
  // A write-off of an unknown invoice is refused with the ledger's own words.
  const form = page.getByTestId("write-off-form");
  await form.locator('input[name="form[invoice_number]"]').fill("NO-SUCH-INVOICE");
  await form.locator("button[type=submit]").click();
  await expect(page.getByRole("alert")).toContainText("NO-SUCH-INVOICE");
  await snap(page, info, "adjustments");
  await page.goto("/audit?entity=payment");
  await expect(page.getByTestId("audit-row").first()).toContainText("payment");
  await snap(page, info, "audit");
});

test("a sales rep cannot reach finance's tools", async ({ page }) => {
  await login(page, "li.na");
  await page.goto("/payments/new?customer=C00001");
  await expect(page.getByRole("alert")).toBeVisible();
  const res = await page.request.get("/export/template/customers.csv");
  expect(res.status()).toBe(403);
});
