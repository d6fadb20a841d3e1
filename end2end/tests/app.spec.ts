import { expect, test } from "@playwright/test";
import { login, minor, snap, waitForHydration, PASSWORD } from "./helpers";

test("a wrong password shows an error and does not sign in", async ({ page, context }, info) => {
  await page.goto("/login");
  // The demo data set says so on the login page, with its known password.
  await expect(page.getByTestId("demo-notice")).toContainText("demo1234");
  await page.getByTestId("username").fill("chen.jie");
  await page.getByTestId("password").fill("not-the-password");
  await page.getByTestId("login-form").locator("button[type=submit]").click();
  await expect(page.getByTestId("login-error")).toBeVisible();
  await expect(page.getByTestId("login-error")).toHaveText("用户名或密码错误");
  await expect(page).toHaveURL(/\/login/);
  const cookies = await context.cookies();
  expect(cookies.find((c) => c.name === "creditdesk_session")).toBeUndefined();
  await snap(page, info, "login-error");
  // A protected page still sends us back to the login page.
  await page.goto("/customers");
  await expect(page).toHaveURL(/\/login\?next=/);
});

test("signing in rotates the session cookie, which is HttpOnly and SameSite", async ({ page, context }) => {
  await context.addCookies([{ name: "creditdesk_session", value: "planted-by-attacker", url: "http://127.0.0.1:3100" }]);
  await login(page, "chen.jie", PASSWORD);
  const cookie = (await context.cookies()).find((c) => c.name === "creditdesk_session");
  expect(cookie).toBeDefined();
  expect(cookie!.value).not.toBe("planted-by-attacker");
  expect(cookie!.httpOnly).toBe(true);
  expect(cookie!.sameSite).toBe("Lax");
});

test("the cockpit shows the KPIs and draws the aging chart", async ({ page }, info) => {
  await login(page);
  const total = page.getByTestId("kpi-total");
  await expect(total).toContainText("应收总额");
  await expect(total.locator(".kpi-value")).toContainText("¥");
  await expect(page.getByTestId("kpi-overdue").locator(".kpi-value")).toContainText("¥");
  await expect(page.getByTestId("kpi-rate").locator(".kpi-value")).toHaveText(/^\d+(\.\d+)?%$/);

  // The bucket table adds up to the total KPI, to the fen.
  const rows = page.getByTestId("aging-table").locator("tbody tr");
  await expect(rows).toHaveCount(5);
  const amounts = await rows.locator("td:nth-child(2)").allTextContents();
  const sum = amounts.map(minor).reduce((a, b) => a + b, 0);
  const exact = await total.locator(".kpi-exact").textContent();
  expect(sum).toBe(minor(exact!));
  for (const a of amounts) expect(minor(a)).toBeGreaterThan(0); // every bucket populated by the demo data

  // The canvas has been drawn on: count non-white pixels.
  const canvas = page.getByTestId("aging-chart");
  await expect(canvas).toBeVisible();
  await expect
    .poll(async () =>
      canvas.evaluate((el: HTMLCanvasElement) => {
        const ctx = el.getContext("2d")!;
        const { data } = ctx.getImageData(0, 0, el.width, el.height);
        let inked = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) inked++;
        }
        return inked;
      }),
    )
    .toBeGreaterThan(2000);
  await snap(page, info, "cockpit");
});

test("customer search works after hydration and opens a customer", async ({ page }, info) => {
  await login(page);
  await page.goto("/customers");
  await waitForHydration(page);
  const rows = page.getByTestId("customer-row");
  await expect(rows.first()).toBeVisible();
  const before = await rows.count();
  expect(before).toBeGreaterThan(10);

  await page.getByTestId("customer-search").pressSequentially("长沙", { delay: 40 });
  await expect(page).toHaveURL(/q=%E9%95%BF%E6%B2%99/);
  // Each keystroke refines the list; wait for the last one's result.
  const names = () => page.locator("[data-testid=customer-row] .name-cell").allTextContents();
  await expect
    .poll(async () => {
      const n = await names();
      return n.length > 0 && n.length < before && n.every((x) => x.includes("长沙"));
    })
    .toBe(true);
  await snap(page, info, "customers-search");

  await page.getByTestId("customer-search").fill("没有这个客户");
  await expect(page.getByTestId("no-customers")).toBeVisible();

  await page.getByTestId("customer-search").fill("长沙");
  await expect.poll(async () => (await names()).every((x) => x.includes("长沙")) && (await names()).length > 0).toBe(true);
  const first = page.locator("[data-testid=customer-row] .name-cell a").first();
  const name = (await first.textContent())!;
  await first.click();
  await expect(page.getByTestId("customer-name")).toHaveText(name);
  await snap(page, info, "customer");
});

test("the language switch turns the UI into English and back", async ({ page }) => {
  await login(page);
  await expect(page.getByTestId("kpi-total")).toContainText("应收总额");
  await page.locator(":visible[data-testid=lang-switch]").first().click();
  await expect(page.getByTestId("kpi-total")).toContainText("Total open AR");
  // The choice survives a reload (cookie), and the server renders it.
  await page.reload();
  await expect(page.getByTestId("kpi-total")).toContainText("Total open AR");
  await waitForHydration(page);
  await page.locator(":visible[data-testid=lang-switch]").first().click();
  await expect(page.getByTestId("kpi-total")).toContainText("应收总额");
});

test("a sales rep sees only their own customers", async ({ page }) => {
  await login(page, "li.na");
  await page.goto("/customers");
  await waitForHydration(page);
  const reps = await page.locator("[data-testid=customer-row] td:nth-child(4)").allTextContents();
  expect(reps.length).toBeGreaterThan(0);
  for (const r of reps) expect(r.trim()).toBe("李娜");
});
