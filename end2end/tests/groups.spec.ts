// A contractor group's member (the demo's 中建三局集团 holds C00003): its page shows the
// group's limit, the members' exposure and what the group has left, beside the
// customer's own credit gauge; the headline "available" is the lower of the two.
import { expect, test } from "@playwright/test";
import { login, minor, snap, waitForHydration } from "./helpers";

test("a group member's page shows its group and what the group has left", async ({ page }, info) => {
  await login(page, "liu.fang");
  await page.goto("/customers?q=C00003");
  await waitForHydration(page);
  await page.locator('[data-testid=customer-row] a[href^="/customers/"]').first().click();
  await waitForHydration(page);
  const card = page.getByTestId("group-card");
  await expect(card).toContainText("ZJ3");
  await expect(card).toContainText("中建三局集团");
  const group = minor(await card.getByTestId("group-available").innerText());
  const available = minor(await page.getByTestId("available").innerText());
  expect(available).toBeLessThanOrEqual(group);
  await snap(page, info, "customer-group");
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: `screenshots/${info.project.name}-customer-group-card.png` });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test("finance opens a group for a customer, is told what is wrong, and takes it out again", async ({ page }, info) => {
  await login(page, "liu.fang");
  await page.goto(`/customers?q=${info.project.name === "phone" ? "C00051" : "C00050"}`);
  await waitForHydration(page);
  await page.locator('[data-testid=customer-row] a[href^="/customers/"]').first().click();
  await waitForHydration(page);
  const card = page.getByTestId("group-card");
  await expect(card.getByTestId("group-code")).toHaveCount(0);
  await card.locator("details summary").click();
  const create = card.getByTestId("group-create");
  const code = `E2E${Date.now()}`;
  await create.locator('input[name="group[code]"]').fill(code);
  await create.locator('input[name="group[name]"]').fill("测试工程集团");
  await create.locator('input[name="group[limit]"]').fill("-1");
  await create.getByRole("button").click();
  await expect(card.getByTestId("group-errors")).toContainText("limit");
  await create.locator('input[name="group[limit]"]').fill("1000000");
  await create.getByRole("button").click();
  await expect(card.getByTestId("group-code")).toHaveText(code);
  await expect(card.getByTestId("group-available")).toHaveText(/¥/);
  await snap(page, info, "customer-group-created");

  // Done folds the editor and clears what was typed.
  const editor = card.getByTestId("group-editor");
  await expect.poll(() => editor.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
  await expect(create.locator('input[name="group[code]"]')).toHaveValue("");
  await editor.locator("summary").click();

  // Finance raises the group's limit; the card shows it at once.
  const terms = card.getByTestId("group-terms");
  await expect(terms.locator('input[name="group[name]"]')).toHaveValue("测试工程集团");
  await terms.locator('input[name="group[limit]"]').fill("2000000");
  await terms.getByRole("button").click();
  await expect(card.getByTestId("group-limit")).toContainText("2,000,000");
  await snap(page, info, "customer-group-limit-changed");

  if (!(await editor.evaluate((d) => (d as HTMLDetailsElement).open))) await editor.locator("summary").click();
  await card.getByTestId("group-move").locator("select").selectOption("");
  await card.getByTestId("group-move").getByRole("button").click();
  await expect(card.getByTestId("group-code")).toHaveCount(0);
});
