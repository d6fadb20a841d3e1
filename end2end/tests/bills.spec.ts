// Acceptance bills (应收票据) as finance works them: a customer's overdue invoice is
// settled by a commercial bill received on /bills, so it leaves the customer's open
// invoices; the bill is then dishonoured, and the invoice is open again, as overdue as
// before. The customer and invoice are made through the REST API, as an ERP would.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { adminKey, login, snap, waitForHydration } from "./helpers";

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function post(request: APIRequestContext, path: string, data: object) {
  const res = await request.post(path, { headers: { authorization: `Bearer ${adminKey()}` }, data });
  expect(res.status(), await res.text()).toBe(201);
}

test("a bill received settles an overdue invoice; dishonoured, the invoice is overdue again", async ({ page, request }, info) => {
  const stamp = `${Date.now()}`.slice(-9);
  const code = `BILL${info.project.name === "phone" ? "P" : "D"}${stamp}`;
  const invoice = `INV-${code}`;
  // 30 digits: a fixed prefix, the project and the stamp.
  const number = `1302581000001${info.project.name === "phone" ? "1" : "2"}${stamp.padStart(16, "0")}`;
  await post(request, "/api/v1/customers", { code, name: "票据测试机械有限公司", payment_terms_days: 30, credit_limit: "100000.00" });
  await post(request, "/api/v1/invoices", { number: invoice, customer_code: code, invoice_date: day(-60), due_date: day(-30), amount: "5000.00" });

  await login(page, "liu.fang");
  await page.goto("/bills");
  await waitForHydration(page);
  const receive = page.getByTestId("receive-bill");
  await receive.locator("summary").click();
  await receive.locator('input[name="input[customer_code]"]').fill(code);
  await receive.locator('input[name="input[number]"]').fill(number);
  await receive.locator('input[name="input[acceptor]"]').fill("某工程局集团有限公司");
  await receive.locator('input[name="input[face_amount]"]').fill("5000.00");
  await receive.locator('input[name="input[issued_on]"]').fill(day(-10));
  await receive.locator('input[name="input[matures_on]"]').fill(day(-11));
  await receive.getByRole("button").click();
  await expect(page.getByRole("alert")).toContainText("matures_on");
  await receive.locator('input[name="input[matures_on]"]').fill(day(90));
  await receive.getByRole("button").click();
  await expect(page.getByTestId("bill-received")).toContainText(number);
  const bill = page.locator(`[data-testid=bill][data-number="${number}"]`);
  await expect(bill.getByTestId("bill-state")).toHaveText(/Held|持有/);
  await snap(page, info, "bills");

  // The cockpit's bills card counts it among the bills in hand.
  await page.goto("/");
  await waitForHydration(page);
  const card = page.getByTestId("bills-card");
  await expect(card.getByTestId("bills-held")).toContainText(/[1-9]/);
  await expect(card.getByTestId("bills-maturing")).toHaveCount(3);
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: `screenshots/${info.project.name}-cockpit-bills-card.png` });
  await page.goto("/bills");
  await waitForHydration(page);

  // Settled: the invoice is no longer open on the customer's page.
  await bill.locator(`a[href^="/customers/"]`).click();
  await waitForHydration(page);
  // Still at risk until it matures: the gauge counts it as a bill not yet matured.
  await expect(page.getByTestId("credit-gauge")).toContainText("5,000.00");
  await expect(page.getByTestId("invoice-table").locator("tr", { hasText: invoice })).toHaveCount(0);
  await page.goBack();
  await waitForHydration(page);

  // Dishonoured: the bill's settlement is reversed.
  await bill.locator(".bill-step summary").click();
  const form = bill.getByTestId("bill-step-form");
  await form.locator("select").selectOption("dishonour");
  await form.locator('input[name="form[reason]"]').fill("承兑人账户余额不足");
  await form.getByRole("button").click();
  await expect(page.getByTestId("bill-stepped")).toContainText(number);
  await expect(bill.getByTestId("bill-state")).toHaveText(/Dishonoured|已拒付/);
  await expect(bill.locator(".bill-step")).toHaveCount(0);
  await snap(page, info, "bills-dishonoured");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // Finance's exposure setting saves (and is put back: other tests count as shipped).
  const setting = page.getByTestId("bank-bills-setting");
  for (const counted of ["true", "false"]) {
    await setting.locator("select").selectOption(counted);
    await setting.getByRole("button").click();
    await expect(setting.getByTestId("bank-bills-saved")).toBeVisible();
    await page.reload();
    await waitForHydration(page);
    await expect(setting.locator("select")).toHaveValue(counted);
  }

  // The invoice is open again, on its own due date: 30 days overdue.
  await bill.locator(`a[href^="/customers/"]`).click();
  await waitForHydration(page);
  const row = page.getByTestId("invoice-table").locator("tr", { hasText: invoice });
  await expect(row).toContainText("5,000.00");
  await expect(row.locator(".pill")).toHaveText(/^(29|30|31)$/);
  await snap(page, info, "bills-invoice-overdue-again");
});
