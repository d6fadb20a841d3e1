// The account page: anyone signed in sees where they are signed in (this session
// marked) and may change their password; a wrong current password is refused with the
// reason, and nothing else changes (the demo passwords stay, for the other specs).
import { expect, test } from "@playwright/test";
import { login, snap, waitForHydration } from "./helpers";

test("a rep sees their sessions and a wrong current password is refused by name", async ({ page }, info) => {
  await login(page, "li.na");
  await page.goto("/account");
  await waitForHydration(page);
  const sessions = page.getByTestId("session");
  await expect(sessions.first()).toBeVisible();
  await expect(page.locator(".session .chip")).toHaveCount(1);
  const form = page.getByTestId("password-form");
  await form.locator('input[name="form[current]"]').fill("not-my-password");
  await form.locator('input[name="form[new]"]').fill("a-long-new-secret-9");
  await form.locator('input[name="form[confirm]"]').fill("a-long-new-secret-9");
  await form.getByRole("button").click();
  await expect(page.locator(".notice-error")).toContainText("current password");
  await snap(page, info, "account");
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(scroll).toBeLessThanOrEqual(inner);
});
