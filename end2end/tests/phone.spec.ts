import { expect, test } from "@playwright/test";
import { login, snap } from "./helpers";

async function noHorizontalScroll(page: import("@playwright/test").Page) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(inner);
}

test("on a phone: bottom tab bar, no sidebar, no horizontal scroll", async ({ page }, info) => {
  await login(page);
  await expect(page.getByTestId("tabbar")).toBeVisible();
  await expect(page.locator(".sidebar")).toBeHidden();
  const bar = await page.getByTestId("tabbar").boundingBox();
  expect(bar!.y + bar!.height).toBeGreaterThan(800); // docked at the bottom of 844
  await noHorizontalScroll(page);
  await snap(page, info, "tabs-cockpit");

  await page.getByTestId("tabbar").getByRole("link", { name: "客户" }).tap();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByTestId("customer-row").first()).toBeVisible();
  await noHorizontalScroll(page);
  await snap(page, info, "tabs-customers");

  await page.locator("[data-testid=customer-row] .name-cell a").first().tap();
  await expect(page.getByTestId("customer-name")).toBeVisible();
  await noHorizontalScroll(page);
  await snap(page, info, "tabs-customer");
});

test("the login page fits a phone", async ({ page }, info) => {
  await page.goto("/login");
  await expect(page.getByTestId("login-form")).toBeVisible();
  await noHorizontalScroll(page);
  await snap(page, info, "login");
});

test("on a phone: finance's tools sit behind More, secondary filters behind a toggle", async ({ page }, info) => {
  await login(page, "liu.fang");
  await page.getByTestId("tabbar").getByRole("link", { name: "更多" }).tap();
  await expect(page).toHaveURL(/\/more$/);
  const tools = page.getByTestId("more-list").getByRole("link");
  // The collection rules, then finance's five tools (payments, adjustments, bills,
  // import, audit).
  await expect(tools).toHaveCount(6);
  await expect(tools.first()).toHaveAttribute("href", "/rules");
  await noHorizontalScroll(page);
  await snap(page, info, "more");
  await tools.nth(1).tap();
  await expect(page).toHaveURL(/\/payments\/new$/);

  await page.getByTestId("tabbar").getByRole("link", { name: "发票" }).tap();
  await expect(page.getByTestId("filter-status")).toBeVisible();
  await expect(page.getByTestId("filter-customer")).toBeHidden();
  await snap(page, info, "invoices-filters-closed");
  await page.getByTestId("more-filters").tap();
  await expect(page.getByTestId("filter-customer")).toBeVisible();
  await expect(page.getByTestId("more-filters")).toBeHidden();
  await noHorizontalScroll(page);
});
