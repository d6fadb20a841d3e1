// A customer's sensitive fields on the customer page: masked for a rep, shown in full
// to finance on request, and a wrong resident ID refused by name with nothing saved.
// The demo data gives the most overdue customers (the top of the list) such fields.
import { expect, test, type Page } from "@playwright/test";
import { login, snap, waitForHydration } from "./helpers";

async function firstCustomer(page: Page) {
  await page.goto("/customers");
  await waitForHydration(page);
  const href = await page.locator('[data-testid=customer-row] a[href^="/customers/"]').first().getAttribute("href");
  await page.goto(href!);
  await waitForHydration(page);
  return page.getByTestId("customer-pii");
}

test("finance shows a customer's ID number in full; a wrong one is refused by name", async ({ page }, info) => {
  await login(page, "liu.fang");
  const card = await firstCustomer(page);
  const id = card.locator("dd.mono").first();
  await expect(id).toContainText("**************");
  await card.getByTestId("pii-reveal").click();
  await expect(id).toHaveText(/^\d{17}[\dX]$/);
  const full = await id.innerText();

  await card.locator("details summary").click();
  const form = card.getByTestId("pii-form");
  await form.locator('input[name="draft[legal_rep_id_number]"]').fill("350203196201010001");
  await form.getByRole("button").click();
  await expect(card.getByTestId("pii-errors")).toContainText("legal_rep_id_number");
  await snap(page, info, "customer-pii");
  await page.reload();
  await waitForHydration(page);
  await page.getByTestId("pii-reveal").click();
  await expect(page.getByTestId("customer-pii").locator("dd.mono").first()).toHaveText(full);
});

test("a rep sees the fields masked, with no way to show them", async ({ page }) => {
  await login(page, "li.na");
  const card = await firstCustomer(page);
  await expect(card.getByTestId("pii-fields")).toBeVisible();
  await expect(card.getByTestId("pii-reveal")).toHaveCount(0);
  for (const value of await card.locator("dd.mono").allInnerTexts()) expect(value).toMatch(/^(—|\*+\w{4})$/);
});
