import { expect, Page, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { inked, login, minor, snap, waitForHydration } from "./helpers";

async function amount(page: Page, testid: string): Promise<number> {
  return minor((await page.getByTestId(testid).locator("td").nth(1).textContent())!);
}

/** The cockpit's exact total open AR and overdue at a date. */
async function cockpitAt(page: Page, asOf: string): Promise<{ total: number; overdue: number }> {
  await page.goto(`/?as_of=${asOf}`);
  const exact = async (id: string) => minor((await page.getByTestId(id).locator(".kpi-exact").textContent())!);
  return { total: await exact("kpi-total"), overdue: await exact("kpi-overdue") };
}

test("the monthly credit report rolls open AR forward, draws its charts, prints and downloads", async ({ page }, info) => {
  await login(page);
  await page.goto("/reports");
  await waitForHydration(page);
  const report = page.getByTestId("credit-report");
  await expect(page.getByTestId("report-title")).toContainText("信用月报");
  const asOf = (await page.getByTestId("report-as-of").textContent())!;

  // Opening + invoiced − settled + reversed = closing, to the fen, and the closing is
  // the cockpit's open AR at the report's date.
  const [opening, invoiced, payments, notes, offs, reversals, closing] = await Promise.all(
    ["mv-opening", "mv-invoiced", "mv-payments", "mv-credit-notes", "mv-write-offs", "mv-reversals", "mv-closing"].map((id) => amount(page, id)),
  );
  expect(invoiced).toBeGreaterThan(0);
  expect(payments).toBeGreaterThan(0);
  expect(opening + invoiced - payments - notes - offs + reversals).toBe(closing);
  await expect(page.getByTestId("report-movements")).toHaveAttribute("data-unexplained", "0");
  await expect(page.getByTestId("report-kpis").locator("tbody tr")).toHaveCount(8);

  for (const id of ["report-aging-chart", "report-top-chart", "report-trend-chart"]) {
    const canvas = page.getByTestId(id);
    await canvas.scrollIntoViewIfNeeded();
    await expect.poll(() => inked(canvas), { message: `${id} is painted` }).toBeGreaterThan(1500);
    const box = (await canvas.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  }
  // Nothing wider than the screen (the phone's tables included).
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);
  await snap(page, info, "report-month");

  // Printing drops the navigation, the filters and the buttons, and keeps the figures.
  await page.emulateMedia({ media: "print" });
  await expect(page.getByTestId("report-print")).toBeHidden();
  await expect(page.locator(".sidebar")).toBeHidden();
  await expect(page.locator(".tabbar")).toBeHidden();
  await expect(page.getByTestId("mv-closing")).toBeVisible();
  await page.screenshot({ path: `screenshots/${info.project.name}-report-print.png`, fullPage: true });
  // What the browser's print gives on A4 (headless Chromium prints to PDF).
  if (info.project.name === "desktop") await page.pdf({ path: "screenshots/desktop-report.pdf", format: "A4", printBackground: true });
  await page.emulateMedia({ media: "screen" });

  // The workbook downloads under the period's name.
  const period = (await report.getAttribute("data-period"))!;
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("report-xlsx").click()]);
  expect(download.suggestedFilename()).toBe(`credit-report-${period}.xlsx`);
  const bytes = readFileSync((await download.path())!);
  expect(bytes.subarray(0, 2).toString()).toBe("PK");

  // A quarter from the picker.
  const quarter = await page.getByTestId("report-period").locator("optgroup").nth(2).locator("option").nth(1).getAttribute("value");
  await page.getByTestId("report-period").selectOption(quarter!);
  await page.getByTestId("report-show").click();
  await expect(page).toHaveURL(new RegExp(`period=${quarter}`));
  await expect(page.getByTestId("report-title")).toContainText("信用季报");
  await expect(page.getByTestId("credit-report")).toHaveAttribute("data-period", quarter!);
  await expect(page.getByTestId("report-movements")).toHaveAttribute("data-unexplained", "0");

  expect((await cockpitAt(page, asOf)).total).toBe(closing);
});

test("finance designs a grouped template, runs it and downloads every row", async ({ page }, info) => {
  const name = `逾期客户按区域 ${info.project.name}`;
  await login(page, "liu.fang");
  await page.goto("/reports/templates");
  await waitForHydration(page);
  const form = page.getByTestId("template-form");
  await form.getByTestId("tpl-name").fill(name);
  // Text columns cannot be grouped: the designer says so and saves nothing.
  await form.getByTestId("tpl-group").selectOption("region");
  await form.getByTestId("tpl-save").click();
  await expect(page.getByTestId("tpl-error")).toContainText("cannot be grouped");
  for (const c of ["code", "name", "region", "max_days_past_due"]) await form.getByTestId(`col-${c}`).uncheck();
  await form.getByTestId("col-overdue_rate").check();
  await form.getByTestId("tpl-min-days").fill("1");
  await snap(page, info, "report-template-form");
  await form.getByTestId("tpl-save").click();
  await expect(page.getByTestId("tpl-saved")).toBeVisible();
  await expect(page.locator(`[data-template="${name}"]`)).toBeVisible();

  await page.locator(`[data-template="${name}"]`).getByTestId("tpl-run").click();
  await expect(page.getByTestId("tpl-title")).toHaveText(name);
  const table = page.getByTestId("tpl-table");
  await expect(table.locator("thead th")).toHaveText(["区域", "客户数", "应收余额", "逾期", "逾期率 %"]);
  const groups = await table.locator("tbody tr:not(.total-row)").count();
  expect(groups).toBeGreaterThan(1);
  await expect(page.getByTestId("tpl-row-count")).toHaveText(String(groups));
  const total = page.getByTestId("tpl-total");
  await expect(total.locator("td").first()).toHaveText("合计");
  const overdue = minor((await total.locator("td").nth(3).textContent())!);
  await snap(page, info, "report-template-run");

  // Every group adds up to the total, and the total overdue is the cockpit's.
  const perGroup = (await table.locator("tbody tr:not(.total-row) td:nth-child(4)").allTextContents()).map(minor);
  expect(perGroup.reduce((a, b) => a + b, 0)).toBe(overdue);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("tpl-csv").click()]);
  const csv = readFileSync((await download.path())!, "utf8").replace(/^\uFEFF/, "").trim().split(/\r?\n/);
  expect(csv[0]).toBe("region,customers,open,overdue,overdue_rate");
  expect(csv.length).toBe(groups + 2);
  const asOf = (await page.getByTestId("tpl-result").textContent())!.match(/\d{4}-\d{2}-\d{2}/)![0];
  expect((await cockpitAt(page, asOf)).overdue).toBe(overdue);
});
