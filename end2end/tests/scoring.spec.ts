import { expect, Page, test } from "@playwright/test";
import { inked, login, snap, waitForHydration } from "./helpers";

/** Nothing on the page is wider than the screen (no sideways scrolling on a phone); on
 * failure, the message names the widest elements. */
async function fitsTheScreen(page: Page) {
  const { scrollWidth, wide } = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > w + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName}.${(e as HTMLElement).className} ${e.getAttribute("data-testid") ?? ""}`);
    return { scrollWidth: document.documentElement.scrollWidth, wide };
  });
  expect(scrollWidth, `wider than the screen: ${wide.join(", ")}`).toBeLessThanOrEqual(page.viewportSize()!.width);
}

test("finance edits the scoring model: bad fields are named, a good edit is saved and activated", async ({ page }, info) => {
  await login(page, "liu.fang");
  if (info.project.name === "desktop") {
    await expect(page.locator('.sidebar a[href="/scoring"]')).toBeVisible();
  }
  await page.goto("/scoring");
  await waitForHydration(page);
  await expect(page.getByTestId("model-rules").locator("tbody tr")).toHaveCount(10);
  const before = Number(await page.getByTestId("weight-years_of_cooperation").inputValue());

  // Weights that add up to more than 100 and thresholds out of order: refused, each named.
  await page.getByTestId("weight-years_of_cooperation").fill(String(before + 10));
  await expect(page.getByTestId("weight-sum")).toContainText("110");
  await page.getByTestId("threshold-B").fill("95");
  await page.getByTestId("save-model").click();
  const errors = page.getByTestId("model-errors");
  await expect(errors).toContainText("weights: add up to 110");
  await expect(errors).toContainText("thresholds: A");
  await expect(page.getByTestId("model-saved")).toHaveCount(0);

  // A good edit: weights back, stricter thresholds, one more on-time band.
  await page.getByTestId("weight-years_of_cooperation").fill(String(before));
  await expect(page.getByTestId("weight-sum")).toContainText("100");
  await page.getByTestId("threshold-A").fill("88");
  await page.getByTestId("threshold-B").fill("72");
  const bands = page.getByTestId("rule-on_time_rate").locator(".band");
  const n = await bands.count();
  // Halfway between the highest band and 100 %, so a re-run adds a band above this one.
  const top = Number(await page.getByTestId(`band-on_time_rate-${n - 1}-from`).inputValue());
  await page.getByTestId("band-on_time_rate-add").click();
  await expect(bands).toHaveCount(n + 1);
  await page.getByTestId(`band-on_time_rate-${n}-from`).fill(String((top + 100) / 2));
  await page.getByTestId(`band-on_time_rate-${n}-points`).fill("100");
  await page.getByTestId("model-note").fill(`stricter (${info.project.name})`);
  await page.getByTestId("save-model").click();
  const saved = page.getByTestId("model-saved");
  await expect(saved).toBeVisible();
  const version = (await saved.textContent())!.match(/\d+/)![0];
  await expect(page.getByTestId("editor-base")).toContainText(`v${version}`);
  await expect(page.getByTestId("threshold-A")).toHaveValue("88");
  await expect(page.getByTestId("model-errors")).toHaveCount(0);

  // Activated, it is the one the editor opens and rescoring uses.
  await page.getByTestId(`activate-${version}`).click();
  await expect(page.getByTestId(`version-${version}`).getByTestId("active-badge")).toBeVisible();
  await fitsTheScreen(page);
  await snap(page, info, "scoring");
  if (info.project.name === "phone") {
    await page.getByTestId("model-rules").screenshot({ path: "screenshots/phone-scoring-rules.png" });
    await page.getByTestId("versions").screenshot({ path: "screenshots/phone-scoring-versions.png" });
    await page.locator(".score-grid").screenshot({ path: "screenshots/phone-scoring-grades.png" });
    await page.getByTestId("runs").screenshot({ path: "screenshots/phone-scoring-runs.png" });
  }
});

test("finance back-tests two model versions side by side", async ({ page }, info) => {
  await login(page, "liu.fang");
  await page.goto("/scoring/backtest");
  await waitForHydration(page);
  const b = (await page.getByTestId("bt-version-b").locator("option").last().getAttribute("value"))!;
  await page.getByTestId("bt-version-a").selectOption("0");
  if (b !== "0") await page.getByTestId("bt-version-b").selectOption(b);
  // Hold the request a moment, so the running state can be seen.
  await page.route("**/sfn/run_backtest", async (route) => {
    await new Promise((r) => setTimeout(r, 1_000));
    await route.continue();
  });
  const run = page.getByTestId("bt-run");
  await run.click();
  await expect(run).toBeDisabled();
  await expect(run).toContainText("运行中");
  await expect(page.getByTestId("backtest-result")).toBeVisible();
  await expect(run).toBeEnabled();

  const table = page.getByTestId("backtest-table");
  for (const g of ["A", "B", "C", "D"]) await expect(table.getByTestId(`bt-grade-${g}`)).toBeVisible();
  const versions = b !== "0" ? ["0", b] : ["0"];
  // Each version's per-grade customers add up to its total.
  for (const [k] of versions.entries()) {
    const col = 1 + 3 * k;
    const cells = await table.locator("tbody tr").evaluateAll((rows, col) => rows.map((r) => Number(r.children[col].textContent)), col);
    const total = cells.pop()!;
    expect(total).toBeGreaterThan(0);
    expect(cells.reduce((a, c) => a + c, 0)).toBe(total);
  }
  for (const v of versions) {
    await expect(page.getByTestId(`auc-${v}`)).toHaveText(/^[01]\.\d{3}$/);
    await expect(page.getByTestId(`monotonic-${v}`)).toHaveText(/^[✓✗]/);
  }
  const chart = page.getByTestId("backtest-chart");
  await chart.scrollIntoViewIfNeeded();
  await expect.poll(() => inked(chart), { message: "the default-rate chart is painted" }).toBeGreaterThan(1500);
  await fitsTheScreen(page);
  await snap(page, info, "backtest");
  if (info.project.name === "phone") {
    await page.getByTestId("backtest-result").screenshot({ path: "screenshots/phone-backtest-result.png" });
  }
});

test("the customer page shows the credit score with its breakdown and history", async ({ page }, info) => {
  await login(page, "liu.fang");
  await page.goto("/customers/1");
  await waitForHydration(page);
  const card = page.getByTestId("score-card");
  await card.getByTestId("rescore-customer").click();
  const lines = card.getByTestId("score-breakdown").locator("tbody tr");
  await expect(lines.first()).toBeVisible();
  expect(await lines.count()).toBeGreaterThanOrEqual(2);
  await expect(card.getByTestId("line-on_time_rate")).toBeVisible();
  await expect(card.getByTestId("score-value")).toHaveText(/^\d{1,3}\.\d$/);
  await expect(card.getByTestId("score-grade")).toHaveText(/^[ABCD]$/);
  await expect(card.getByTestId("suggested-limit")).toContainText("¥");
  // The breakdown adds up: the contributions sum to the score (rounded to one decimal).
  const contributions = await lines.evaluateAll((rows) => rows.slice(0, -1).map((r) => Number(r.lastElementChild!.textContent)));
  const score = Number(await card.getByTestId("score-value").textContent());
  expect(Math.abs(contributions.reduce((a, c) => a + c, 0) - score)).toBeLessThan(0.06 + 0.005 * contributions.length);
  const history = card.getByTestId("score-history-chart");
  await history.scrollIntoViewIfNeeded();
  await expect.poll(() => inked(history), { message: "the history chart is painted" }).toBeGreaterThan(500);
  await fitsTheScreen(page);
  await snap(page, info, "customer-score");
  await card.screenshot({ path: `screenshots/${info.project.name}-customer-score-card.png` });
});
