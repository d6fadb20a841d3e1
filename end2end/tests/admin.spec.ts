// The admin's users and API keys page: a new user gets a temporary password shown once
// and can sign in with it; disabling them signs them out of sign-in; a key is issued
// with its scopes and revoked. Names carry the project, as desktop and phone share a
// server.
import { expect, test } from "@playwright/test";
import { login, snap, waitForHydration } from "./helpers";

test("an admin creates a user who signs in with the temporary password, then disables them", async ({ page, browser }, info) => {
  const username = `e2e.${info.project.name}`;
  await login(page, "admin");
  await page.goto("/admin/users");
  await waitForHydration(page);
  await expect(page.getByTestId("user-row").first()).toBeVisible();

  const create = page.getByTestId("new-user");
  await create.locator("summary").click();
  await create.locator('input[name="form[username]"]').fill(username);
  await create.locator('input[name="form[display_name]"]').fill("测试 用户");
  await create.locator('select[name="form[role]"]').selectOption("finance");
  await create.getByRole("button").click();
  const issued = page.getByTestId("issued-secret");
  await expect(issued).toContainText(username);
  const password = (await issued.locator("code").innerText()).trim();
  expect(password).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
  const row = page.locator(`[data-testid=user-row][data-username="${username}"]`);
  await expect(row).toContainText("测试 用户");

  const other = await browser.newContext();
  const them = await other.newPage();
  await login(them, username, password);
  await other.close();

  await row.locator("summary").click();
  await snap(page, info, "admin-users");
  await row.getByTestId("toggle-user").click();
  await expect(page.locator(`[data-testid=user-row][data-username="${username}"] .chip-off`)).toBeVisible();
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(scroll).toBeLessThanOrEqual(inner);
});

test("an admin issues an API key with its scopes, shown once, and revokes it", async ({ page }, info) => {
  const name = `e2e-${info.project.name}`;
  await login(page, "admin");
  await page.goto("/admin/users");
  await waitForHydration(page);
  const form = page.getByTestId("new-key");
  await form.locator("summary").click();
  await form.locator('input[name="form[name]"]').fill(name);
  await form.locator('input[name="form[credit_write]"]').check();
  await form.locator('input[name="form[expires_in_days]"]').fill("30");
  await form.getByRole("button").click();
  await expect(page.getByTestId("issued-secret").locator("code")).toContainText("cdk_");
  const row = page.locator(`[data-testid=key-row][data-name="${name}"]`);
  await expect(row).toContainText("read,credit:write");
  await snap(page, info, "admin-keys");
  await row.getByTestId("revoke-key").click();
  await expect(page.locator(`[data-testid=key-row][data-name="${name}"] .chip-off`)).toBeVisible();
});
