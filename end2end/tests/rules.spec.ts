import { expect, Page, test } from "@playwright/test";
import { login, runRules, snap, waitForHydration } from "./helpers";

// The builder, preview and back-test need the hydrated page.
test.beforeEach(async ({}, info) => {
  test.skip(info.project.name === "ssr", "the rule builder needs JavaScript");
});

/** Nothing on the page is wider than the screen; on failure, the widest elements. */
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

const SHIPPED = [
  "到期前3天提醒 · Due in 3 days",
  "逾期1天友好提醒 · 1 day overdue",
  "逾期3天催收 · 3 days overdue",
  "逾期7天电话催收 · 7 days overdue",
  "逾期15天关注 · 15 days overdue",
  "逾期30天冻结 · 30 days overdue",
];

test("finance builds a rule: a bad value is named, preview and back-test show what it would do, then it is saved and archived", async ({ page }, info) => {
  test.setTimeout(240_000);
  await login(page, "liu.fang");
  if (info.project.name === "desktop") {
    await expect(page.getByTestId("nav-rules").first()).toBeVisible();
    await page.getByTestId("nav-rules").first().click();
  } else {
    await page.goto("/more");
    await waitForHydration(page);
    await page.getByTestId("more-list").getByTestId("nav-rules").click();
  }
  await expect(page).toHaveURL(/\/rules$/);
  await waitForHydration(page);

  // The shipped rule set is there.
  const list = page.getByTestId("rules-table");
  for (const name of SHIPPED) {
    await expect(list.getByRole("link", { name, exact: true })).toBeVisible();
  }
  await fitsTheScreen(page);
  await snap(page, info, "rules");

  // A new rule: invoices 10 or more days past due notify finance.
  await page.getByTestId("new-rule").click();
  await expect(page).toHaveURL(/\/rules\/new$/);
  await waitForHydration(page);
  const name = `逾期10天通知财务 · e2e ${info.project.name} ${Date.now()}`;
  await page.getByTestId("rule-name").fill(name);
  await page.getByTestId("rule-scope").selectOption("invoice");
  // Only the scope's fields are offered: a portfolio field is not.
  await expect(page.getByTestId("groups[0].predicates[0]-field").locator("option[value=portfolio_overdue]")).toHaveCount(0);
  await page.getByTestId("groups[0].predicates[0]-field").selectOption("days_past_due");
  await page.getByTestId("groups[0].predicates[0]-op").selectOption("ge");
  await page.getByTestId("groups[0].predicates[0]-value").fill("abc");
  await page.getByTestId("actions[0]-kind").selectOption("notify");
  await page.getByTestId("actions[0]-to-role-finance").check();

  // The server refuses "abc" and says so next to the value, and in the summary.
  await page.getByTestId("rule-save").click();
  const valueError = page.getByTestId("err-groups[0].predicates[0].value");
  await expect(valueError).toContainText("'abc' is not a whole number");
  await expect(page.getByTestId("rule-errors")).toContainText("'abc' is not a whole number");
  await expect(page).toHaveURL(/\/rules\/new$/);
  // The page scrolled the summary into view, below the phone's sticky bar: what a person sees.
  await page.waitForTimeout(300);
  await page.screenshot({ path: `screenshots/${info.project.name}-rule-errors.png` });
  await page.getByTestId("rule-conditions").screenshot({ path: `screenshots/${info.project.name}-rule-field-error.png` });

  // Fixed, the preview lists today's targets.
  await page.getByTestId("groups[0].predicates[0]-value").fill("10");
  await page.getByTestId("rule-preview").click();
  const count = page.getByTestId("preview-count");
  await expect(count).toContainText("此规则将对");
  await expect(valueError).toHaveCount(0);
  const targets = Number((await count.textContent())!.match(/对 (\d+) 个对象/)![1]);
  expect(targets).toBeGreaterThan(0);
  const rows = page.getByTestId("preview-table").locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBe(Math.min(targets, 50));

  // The back-test runs in the background with a progress bar that reaches 100%.
  await page.getByTestId("rule-backtest").click();
  const bar = page.getByTestId("backtest-progress");
  await expect(bar).toBeVisible();
  // A picture of the bar mid-way, when the run is slow enough to catch it (not asserted:
  // how fast a year replays is the machine's business).
  const midway = page.getByTestId("backtest-status").filter({ hasText: "正在重放" });
  if (await midway.waitFor({ timeout: 5_000 }).then(() => true, () => false)) {
    await page.getByTestId("rule-try").screenshot({ path: `screenshots/${info.project.name}-rule-backtest-running.png` });
  }
  await expect(page.getByTestId("backtest-percent")).toHaveText("100%", { timeout: 200_000 });
  await expect(bar).toHaveAttribute("aria-valuenow", "100");
  const firings = Number(await page.getByTestId("bt-firings").textContent());
  const customers = Number(await page.getByTestId("bt-customers").textContent());
  // Today is the last day replayed, so every target of today's preview fired at least once.
  expect(firings).toBeGreaterThanOrEqual(targets);
  expect(customers).toBeGreaterThan(0);
  expect(customers).toBeLessThanOrEqual(firings);
  await expect(page.getByTestId("bt-overdue")).toContainText("¥");
  await fitsTheScreen(page);
  await snap(page, info, "rule-builder");
  if (info.project.name === "phone") {
    await page.getByTestId("rule-try").screenshot({ path: "screenshots/phone-rule-try.png" });
    await page.getByTestId("rule-conditions").screenshot({ path: "screenshots/phone-rule-conditions.png" });
    await page.getByTestId("rule-actions").screenshot({ path: "screenshots/phone-rule-actions.png" });
  }

  // An edit clears results that no longer match the rule.
  await page.getByTestId("groups[0].predicates[0]-value").fill("11");
  await expect(page.getByTestId("preview-count")).toHaveCount(0);
  await expect(page.getByTestId("backtest-progress")).toHaveCount(0);
  await page.getByTestId("groups[0].predicates[0]-value").fill("10");

  // Saved, it is in the list, marked.
  await page.getByTestId("rule-save").click();
  await expect(page).toHaveURL(/\/rules\?saved=\d+$/);
  await expect(page.getByTestId("rule-saved")).toBeVisible();
  const link = page.getByTestId("rules-table").getByRole("link", { name, exact: true });
  await expect(link).toBeVisible();
  const id = page.url().match(/saved=(\d+)/)![1];
  await expect(page.getByTestId(`rule-row-${id}`)).toHaveClass(/just-saved/);

  // It opens again as saved; archived, it leaves the list.
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/rules/${id}$`));
  await waitForHydration(page);
  await expect(page.getByTestId("rule-name")).toHaveValue(name);
  await expect(page.getByTestId("groups[0].predicates[0]-value")).toHaveValue("10");
  await expect(page.getByTestId("actions[0]-to-role-finance")).toBeChecked();
  await page.getByTestId("rule-archive").click();
  await page.getByTestId("rule-archive-yes").click();
  await expect(page).toHaveURL(/\/rules\?archived=1$/);
  await expect(page.getByTestId("rule-archived")).toBeVisible();
  await expect(page.getByTestId("rules-table").getByRole("link", { name, exact: true })).toHaveCount(0);
});

test("a choice field is picked from its values and a customer rule offers only customer fields", async ({ page }) => {
  await login(page, "liu.fang");
  await page.goto("/rules/new");
  await waitForHydration(page);
  await page.getByTestId("rule-scope").selectOption("customer");
  const field = page.getByTestId("groups[0].predicates[0]-field");
  await expect(field.locator("option[value=days_past_due]")).toHaveCount(0);
  await field.selectOption("grade");
  // A choice field has "is one of" / "is none of", and its values as toggles.
  await expect(page.getByTestId("groups[0].predicates[0]-op").locator("option")).toHaveCount(2);
  await page.locator('[data-testid="groups[0].predicates[0]-value-C"] + span').click();
  await page.locator('[data-testid="groups[0].predicates[0]-value-D"] + span').click();
  await expect(page.getByTestId("groups[0].predicates[0]-value-C")).toBeChecked();
  // A second group, joined with OR.
  await page.getByTestId("rule-match").selectOption("any");
  await page.getByTestId("add-group").click();
  await page.getByTestId("groups[1].predicates[0]-field").selectOption("customer_overdue");
  await page.getByTestId("groups[1].predicates[0]-op").selectOption("gt");
  await page.getByTestId("groups[1].predicates[0]-value").fill("50000");
  await expect(page.locator(".group-joiner")).toContainText("或");
  // An action that needs its own choices: a task for the credit manager.
  await page.getByTestId("actions[0]-kind").selectOption("create_task");
  await page.getByTestId("actions[0]-to").selectOption("role:credit_manager");
  await page.getByTestId("actions[0]-priority").selectOption("high");
  await page.getByTestId("rule-name").fill("");
  await page.getByTestId("rule-preview").click();
  // The empty name is refused before anything runs.
  await expect(page.getByTestId("err-name")).toBeVisible();
  await page.getByTestId("rule-name").fill("C/D or overdue > 50k: task");
  await page.getByTestId("rule-preview").click();
  await expect(page.getByTestId("preview-count")).toContainText("此规则将对");
  await expect(page.getByTestId("err-name")).toHaveCount(0);
});

test("a run's page lists its firings with each message and its delivery", async ({ page, request }, info) => {
  // The scheduler runs the daily rules at 08:00 Shanghai time, so a fresh database may
  // have none yet: run today's as an ERP would (idempotent per date).
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const report = await runRules(request, today);
  expect(report.rules.length).toBeGreaterThan(0);
  await login(page, "liu.fang");
  await page.goto("/rules");
  await waitForHydration(page);
  const runs = page.getByTestId("runs-table").locator("tbody tr");
  await expect(runs.first()).toBeVisible();
  // A run that sent or queued messages (the letters of the overdue rules), else any with firings.
  const ids = await runs.evaluateAll((rows) =>
    rows.map((r) => {
      const n = [...r.querySelectorAll("td.num")].map((td) => Number(td.textContent));
      return { id: r.getAttribute("data-testid")!.replace("run-row-", ""), firings: n[2], messages: n[4] + n[5] + n[6] };
    }),
  );
  const pick = ids.find((r) => r.messages > 0) ?? ids.find((r) => r.firings > 0);
  expect(pick, "the demo book's overdue invoices fire the shipped rules").toBeTruthy();
  await page.getByTestId(`run-link-${pick!.id}`).click();
  await expect(page).toHaveURL(new RegExp(`/rules/runs/${pick!.id}$`));
  await waitForHydration(page);
  await expect(page.getByTestId("run-title")).toContainText(`#${pick!.id}`);
  await expect(page.getByTestId("run-firing-count")).toHaveText(String(pick!.firings));
  const firings = page.getByTestId("firings-table").locator("tbody tr");
  expect(await firings.count()).toBe(Math.min(pick!.firings, 500));
  if (pick!.messages > 0) {
    await expect(page.locator(".message").first()).toBeVisible();
    await expect(page.getByTestId("message-status").first()).toHaveText(/待发送|已发送|最终失败/);
  }
  await fitsTheScreen(page);
  await snap(page, info, "rule-run");
  if (info.project.name === "phone") {
    await firings.first().screenshot({ path: "screenshots/phone-rule-run-firing.png" });
  }
});

test("notification settings are the admin's: bad fields are named and stored secrets stay hidden", async ({ page }, info) => {
  // Finance may not open them.
  await login(page, "liu.fang");
  await page.goto("/settings/notifications");
  await waitForHydration(page);
  await expect(page.locator(".notice-error")).toBeVisible();
  await expect(page.getByTestId("smtp-card")).toHaveCount(0);
  await page.context().clearCookies();

  await login(page, "admin");
  await page.goto("/rules");
  await waitForHydration(page);
  await page.getByTestId("to-notify-settings").click();
  await expect(page).toHaveURL(/\/settings\/notifications$/);
  await waitForHydration(page);
  await page.getByTestId("smtp-host").fill("smtp.example.com");
  await page.getByTestId("smtp-tls").selectOption("starttls");
  await page.getByTestId("smtp-username").fill(`ar-${info.project.name}`);
  await page.getByTestId("smtp-password").fill("s3cret-pass");
  await page.getByTestId("smtp-from").fill("not an address");
  await page.getByTestId("save-smtp").click();
  await expect(page.getByTestId("err-from")).toContainText("not an email address");
  await page.getByTestId("smtp-from").fill("CreditDesk <ar@example.com>");
  await page.getByTestId("save-smtp").click();
  await expect(page.getByTestId("smtp-saved")).toBeVisible();

  await page.getByTestId("add-webhook").click();
  const last = (await page.locator(".hook-row").count()) - 1;
  await page.getByTestId(`webhook-${last}-key`).fill("Bad Key");
  await page.getByTestId(`webhook-${last}-kind`).selectOption("dingtalk");
  await page.getByTestId(`webhook-${last}-url`).fill("ftp://robot");
  await page.getByTestId(`webhook-${last}-secret`).fill("SECabc");
  await page.getByTestId("save-webhooks").click();
  await expect(page.getByTestId(`err-webhooks[${last}].key`)).toBeVisible();
  await expect(page.getByTestId(`err-webhooks[${last}].url`)).toContainText("http");
  const key = `ding_${info.project.name}`;
  await page.getByTestId(`webhook-${last}-key`).fill(key);
  await page.getByTestId(`webhook-${last}-url`).fill("https://oapi.dingtalk.com/robot/send?access_token=x");
  await page.getByTestId("save-webhooks").click();
  await expect(page.getByTestId("webhooks-saved")).toBeVisible();

  // Reloaded: the password and the secret are not sent back, only that they are stored.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId("smtp-password")).toHaveValue("");
  await expect(page.getByTestId("password-kept")).toBeVisible();
  const row = page.locator(".hook-row", { has: page.locator(`input[value="${key}"]`) });
  await expect(row.locator("input[type=password]")).toHaveValue("");
  await expect(row.locator("input[type=password]")).toHaveAttribute("placeholder", /已保存/);
  expect(await page.content()).not.toContain("s3cret-pass");
  await fitsTheScreen(page);
  await snap(page, info, "notify-settings");

  // The webhook is now a choice in the builder.
  await page.goto("/rules/new");
  await waitForHydration(page);
  await page.getByTestId("actions[0]-kind").selectOption("webhook");
  await expect(page.getByTestId("actions[0]-target").locator(`option[value="${key}"]`)).toHaveCount(1);
});

test("a sales rep has no rules page", async ({ page }) => {
  await login(page, "li.na");
  await expect(page.getByTestId("nav-rules")).toHaveCount(0);
  await page.goto("/rules");
  await waitForHydration(page);
  await expect(page.locator(".notice-error").first()).toBeVisible();
  await expect(page.getByTestId("rules-table")).toHaveCount(0);
});
