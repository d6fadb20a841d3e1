import { expect, test } from "@playwright/test";
import { minor, snap, PASSWORD } from "./helpers";

// JavaScript is off in this project: everything here is server-rendered HTML and
// plain form posts.

test("without JavaScript: sign in with the form and read the cockpit numbers", async ({ page }, info) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByTestId("username").fill("liu.fang");
  await page.getByTestId("password").fill(PASSWORD);
  await page.getByTestId("login-form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("kpi-total").locator(".kpi-value")).toContainText("¥");
  const exact = await page.getByTestId("kpi-total").locator(".kpi-exact").textContent();
  expect(minor(exact!)).toBeGreaterThan(0);
  await expect(page.getByTestId("kpi-rate").locator(".kpi-value")).toHaveText(/%$/);
  await expect(page.getByTestId("aging-table").locator("tbody tr")).toHaveCount(5);
  await snap(page, info, "cockpit");

  // Search is a GET form, so it works without JavaScript too.
  await page.goto("/customers?q=%E9%87%8D%E5%BA%86");
  const names = await page.locator("[data-testid=customer-row] .name-cell").allTextContents();
  expect(names.length).toBeGreaterThan(0);
  for (const n of names) expect(n).toContain("重庆");
});

test("without JavaScript: a wrong password shows the error and does not sign in", async ({ page, context }) => {
  await page.goto("/login?next=%2Fcustomers");
  await page.getByTestId("username").fill("liu.fang");
  await page.getByTestId("password").fill("wrong-password");
  await page.getByTestId("login-form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(/\/login\?error=credentials&next=%2Fcustomers/);
  await expect(page.getByTestId("login-error")).toHaveText("用户名或密码错误");
  expect((await context.cookies()).find((c) => c.name === "creditdesk_session")).toBeUndefined();
  // The right password then lands on the page that was asked for.
  await page.getByTestId("username").fill("liu.fang");
  await page.getByTestId("password").fill(PASSWORD);
  await page.getByTestId("login-form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByTestId("customer-row").first()).toBeVisible();
});

test("without JavaScript: the language switch on the login page posts the choice, and the server keeps it", async ({ page, context }) => {
  await page.goto("/login?next=%2Fcustomers");
  await expect(page.getByTestId("login-form").locator("button[type=submit]")).toHaveText("登录");
  await page.getByTestId("lang-switch").click();
  // Back where it was, in English, with the cookie the server reads for every page.
  await expect(page).toHaveURL(/\/login\?next=%2Fcustomers$/);
  await expect(page.getByTestId("login-form").locator("button[type=submit]")).toHaveText("Sign in");
  expect((await context.cookies()).find((c) => c.name === "i18n_pref_locale")?.value).toBe("en");
  await page.getByTestId("lang-switch").click();
  await expect(page.getByTestId("login-form").locator("button[type=submit]")).toHaveText("登录");
});

test("the language form names an unknown locale, and never sends the browser off-site", async ({ request }) => {
  const bad = await request.post("/locale", { form: { locale: "fr", next: "/login" }, maxRedirects: 0 });
  expect(bad.status()).toBe(400);
  expect(await bad.text()).toContain('unknown locale "fr"');
  const offsite = await request.post("/locale", { form: { locale: "en", next: "//evil.example/x" }, maxRedirects: 0 });
  expect(offsite.status()).toBe(303);
  expect(offsite.headers()["location"]).toBe("/");
});

test("a foreign-origin POST is refused", async ({ request }) => {
  const res = await request.post("/sfn/login", {
    headers: { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
    data: "form[username]=chen.jie&form[password]=demo1234",
  });
  expect(res.status()).toBe(403);
  expect(await res.text()).toContain("foreign origin");
});

test("without JavaScript: the credit report renders whole and a template saves with the plain form", async ({ page }) => {
  await page.goto("/login");
  await page.getByTestId("username").fill("liu.fang");
  await page.getByTestId("password").fill(PASSWORD);
  await page.getByTestId("login-form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(/\/$/);

  await page.goto("/reports?period=2026-Q2");
  await expect(page.getByTestId("report-title")).toContainText("2026-Q2");
  const closing = minor((await page.getByTestId("mv-closing").locator("td").nth(1).textContent())!);
  expect(closing).toBeGreaterThan(0);
  await expect(page.getByTestId("report-kpis").locator("tbody tr")).toHaveCount(8);

  await page.goto("/reports/templates");
  const form = page.getByTestId("template-form");
  await form.getByTestId("tpl-name").fill("Frozen customers (no JS)");
  await form.getByTestId("tpl-status").selectOption("frozen");
  await form.getByTestId("tpl-save").click();
  await expect(page).toHaveURL(/\/reports\/templates/);
  await expect(page.locator('[data-template="Frozen customers (no JS)"]')).toBeVisible();
});
