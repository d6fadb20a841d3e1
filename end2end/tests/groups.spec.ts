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
