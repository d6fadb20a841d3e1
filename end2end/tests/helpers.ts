import { APIRequestContext, expect, Locator, Page, TestInfo } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const PASSWORD = "demo1234";

/** Signs in through the login form and waits for the cockpit. */
export async function login(page: Page, username = "chen.jie", password = PASSWORD) {
  // The login page is plain HTML, no client (app/src/ui/mod.rs SERVER_ONLY_PAGES).
  await page.goto("/login");
  await page.getByTestId("username").fill(username);
  await page.getByTestId("password").fill(password);
  await page.getByTestId("login-form").locator("button[type=submit]").click();
  await expect(page).toHaveURL(/\/$/);
  await waitForHydration(page);
}

/** The app marks <body data-hydrated> from an Effect, which only runs after hydration. */
export async function waitForHydration(page: Page) {
  await page.waitForSelector("body[data-hydrated]", { timeout: 30_000 });
}

/** Saves a screenshot under end2end/screenshots/<project>-<name>.png: the whole page on
 * desktop, the first screen on a phone (what a person sees, with the fixed tab bar). */
export async function snap(page: Page, info: TestInfo, name: string) {
  const path = `screenshots/${info.project.name}-${name}.png`;
  // From the top, so sticky bars sit where a person first sees them.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: info.project.name !== "phone" });
  await info.attach(name, { path, contentType: "image/png" });
}

/** Amount text like "¥1,234.56" or "¥-0.05" to minor units. */
export function minor(text: string): number {
  const m = text.replace(/[^0-9.\-]/g, "");
  const [int, frac = ""] = m.split(".");
  const sign = int.startsWith("-") ? -1 : 1;
  return sign * (Math.abs(Number(int)) * 100 + Number((frac + "00").slice(0, 2)));
}

/** Non-white pixels on a canvas: proof that something was painted. */
export async function inked(canvas: Locator): Promise<number> {
  return canvas.evaluate((el: HTMLCanvasElement) => {
    const { data } = el.getContext("2d")!.getImageData(0, 0, el.width, el.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) n++;
    return n;
  });
}

/** The admin API key start-server.sh minted for this run's database. */
export function adminKey(): string {
  return readFileSync(join(process.env.E2E_STATE_DIR!, "admin.key"), "utf8").trim();
}

/** Runs every enabled daily rule for a business date through POST /api/v1/rule-runs
 * (idempotent per date), as an ERP scheduler would; returns the run's report. */
export async function runRules(request: APIRequestContext, asOf: string) {
  const res = await request.post("/api/v1/rule-runs", {
    headers: { authorization: `Bearer ${adminKey()}` },
    data: { as_of: asOf },
  });
  expect(res.status()).toBe(200);
  return res.json();
}
