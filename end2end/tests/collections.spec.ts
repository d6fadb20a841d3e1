// The collections workbench: a sales rep's whole loop on a phone (worklist from the tab
// bar, a call, a promise, offline queueing and the sync once back online, a conflict
// kept on the customer's log), the desktop pages (filters, score breakdown, a manager's
// new task and reassignment, finance's weights, the ranking charts, the dossier) and the
// server-rendered pages with JavaScript off.
import { expect, Page, test } from "@playwright/test";
import { inked, login, snap, waitForHydration, PASSWORD } from "./helpers";

/** A phone-sized screenshot with `target` in the middle of the screen. */
async function snapAt(page: Page, info: import("@playwright/test").TestInfo, name: string, target: import("@playwright/test").Locator) {
  await target.evaluate((el) => el.scrollIntoView({ block: "center" }));
  const path = `screenshots/${info.project.name}-${name}.png`;
  await page.screenshot({ path });
  await info.attach(name, { path, contentType: "image/png" });
}

async function noHorizontalScroll(page: Page) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(scroll).toBeLessThanOrEqual(inner);
}

/** `days` after the business date the page was rendered on (the date input's `min`). */
async function daysAfterToday(page: Page, testid: string, days: number): Promise<string> {
  const min = (await page.getByTestId(testid).getAttribute("min"))!;
  const d = new Date(`${min}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The forms are live once the page has hydrated and the queue is read. */
async function formsLive(page: Page) {
  await expect(page.getByTestId("contact-save")).toBeEnabled();
}

async function logContact(page: Page, outcome: string, note: string) {
  await page.getByTestId("tab-contact").click();
  await page.getByTestId(`outcome-${outcome}`).click();
  await page.getByTestId("contact-notes").fill(note);
  await page.getByTestId("contact-save").click();
}

/** A rep (or manager) makes a task by hand on one of their customers; returns its id. */
async function newTask(page: Page, customer: string, assignee?: string): Promise<number> {
  await page.goto("/tasks");
  await expect(page.getByTestId("new-task")).toBeVisible();
  await page.getByTestId("new-task").locator("summary").click();
  await expect(page.getByTestId("new-task-save")).toBeEnabled();
  await page.getByTestId("new-task-customer").fill(customer);
  await page.getByTestId("customer-pick").first().click();
  await expect(page.getByTestId("picked-customer")).toContainText(customer);
  if (assignee) await page.getByTestId("new-task-assignee").selectOption(assignee);
  await page.getByTestId("new-task-save").click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  return Number(page.url().split("/").pop());
}

/** The name of the first customer on the signed-in user's customer list. */
async function firstCustomer(page: Page): Promise<string> {
  await page.goto("/customers");
  const name = (await page.locator("[data-testid=customer-row] .name-cell a").first().textContent())!.trim();
  expect(name.length).toBeGreaterThan(0);
  return name;
}

test.describe("on a phone", () => {
  test.beforeEach(({}, info) => test.skip(info.project.name !== "phone", "phone project"));

  test("a rep's loop: tab bar, top task, a call, a promise, offline, back online, synced once", async ({ page, context }, info) => {
    const stamp = Date.now();
    await login(page, "li.na");

    // The tab bar's Tasks tab shows the open-task count.
    const tab = page.getByTestId("tabbar").getByTestId("nav-tasks");
    await expect(tab).toBeVisible();
    const badge = tab.getByTestId("tasks-count");
    await expect(badge).toHaveText(/^\d+\+?$/);
    expect(Number((await badge.textContent())!.replace("+", ""))).toBeGreaterThan(0);
    expect(await page.getByTestId("tabbar").locator("a").count()).toBeLessThanOrEqual(6);
    await tab.tap();
    await expect(page).toHaveURL(/\/tasks$/);

    // Best first: the rows' scores never rise down the list.
    const rows = page.getByTestId("task-row");
    await expect(rows.first()).toBeVisible();
    const scores = (await page.getByTestId("row-score").allTextContents()).map(Number);
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeLessThanOrEqual(scores[i - 1]);
    const box = await rows.first().boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    await noHorizontalScroll(page);
    await snap(page, info, "tasks-worklist");

    await rows.first().tap();
    await expect(page).toHaveURL(/\/tasks\/\d+$/);
    await formsLive(page);
    await expect(page.getByTestId("task-summary")).toBeVisible();
    await expect(page.getByTestId("call-btn")).toHaveAttribute("href", /^tel:\+?\d+$/);
    await noHorizontalScroll(page);
    await snap(page, info, "task-page");

    // A call, no answer: queued, synced, in the log.
    const callNote = `No answer ${stamp}`;
    await logContact(page, "no_answer", callNote);
    const callOp = page.getByTestId("pending-op").filter({ hasText: callNote });
    await expect(callOp).toHaveAttribute("data-state", "synced");
    await expect(page.getByTestId("log-entry").filter({ hasText: callNote })).toHaveCount(1);

    // A promise over one invoice: the amount follows the invoice, then synced.
    await page.getByTestId("tab-promise").tap();
    const form = page.getByTestId("promise-form");
    await form.locator(".inv-check").first().tap();
    await expect(page.getByTestId("promise-amount")).toHaveValue(/^\d+(\.\d+)?$/);
    await page.getByTestId("promise-amount").fill("1000.00");
    await page.getByTestId("promise-date").fill(await daysAfterToday(page, "promise-date", 7));
    const promiseNote = `Promise ${stamp}`;
    await page.getByTestId("promise-notes").fill(promiseNote);
    await page.getByTestId("promise-save").tap();
    await expect(page.getByTestId("pending-op").filter({ hasText: "1000.00" })).toHaveAttribute("data-state", "synced");
    await expect(page.getByTestId("log-entry").filter({ hasText: promiseNote })).toHaveCount(1);
    await expect(page.getByTestId("promise").first()).toBeVisible();

    // Offline: the banner, and a contact that waits in the queue.
    await context.setOffline(true);
    await expect(page.getByTestId("offline-banner")).toBeVisible();
    const offlineNote = `Reached offline ${stamp}`;
    await logContact(page, "reached", offlineNote);
    const offlineOp = page.getByTestId("pending-op").filter({ hasText: offlineNote });
    await expect(offlineOp).toHaveAttribute("data-state", "queued");
    await expect(page.getByTestId("needs-network")).toBeVisible();
    // Still queued a moment later (nothing is sent while offline), and not in the log.
    await page.waitForTimeout(1000);
    await expect(offlineOp).toHaveAttribute("data-state", "queued");
    await expect(page.getByTestId("log-entry").filter({ hasText: offlineNote })).toHaveCount(0);
    await noHorizontalScroll(page);
    await snapAt(page, info, "offline-queued", offlineOp);
    await snap(page, info, "offline-banner");

    // Back online: sent once, synced, in the log once, also after a reload.
    await context.setOffline(false);
    await expect(offlineOp).toHaveAttribute("data-state", "synced");
    await expect(page.getByTestId("offline-banner")).toBeHidden();
    await expect(page.getByTestId("log-entry").filter({ hasText: offlineNote })).toHaveCount(1);
    await page.reload();
    await formsLive(page);
    await expect(page.getByTestId("log-entry").filter({ hasText: offlineNote })).toHaveCount(1);
    await expect(page.getByTestId("log-entry").filter({ hasText: callNote })).toHaveCount(1);
    // The queue kept its records across the reload (IndexedDB), each synced.
    await expect(page.getByTestId("pending-op").filter({ hasText: offlineNote })).toHaveAttribute("data-state", "synced");
  });

  test("loaded /tasks, then offline: a listed task still opens, a call waits in the queue, and syncs once back online", async ({ page, context }, info) => {
    const note = `Opened offline ${Date.now()}`;
    await login(page, "wang.qiang");
    await page.goto("/tasks");
    await waitForHydration(page);
    const row = page.getByTestId("task-row").first();
    await expect(row).toBeVisible();
    // After hydration the collections chunk and the top tasks' pages arrive in the background.
    await page.waitForLoadState("networkidle");

    await context.setOffline(true);
    await expect(page.getByTestId("offline-banner")).toBeVisible();
    await row.tap();
    await expect(page).toHaveURL(/\/tasks\/\d+$/);
    await expect(page.getByTestId("task-summary")).toBeVisible();
    await formsLive(page);
    await logContact(page, "reached", note);
    const op = page.getByTestId("pending-op").filter({ hasText: note });
    await expect(op).toHaveAttribute("data-state", "queued");
    await noHorizontalScroll(page);
    await snap(page, info, "offline-opened-task");

    await context.setOffline(false);
    await expect(op).toHaveAttribute("data-state", "synced");
    await expect(page.getByTestId("log-entry").filter({ hasText: note })).toHaveCount(1);
    await page.reload();
    await formsLive(page);
    await expect(page.getByTestId("log-entry").filter({ hasText: note })).toHaveCount(1);
  });

  test("a write queued offline for a task closed meanwhile is a conflict, kept on the customer's log", async ({ page, context, baseURL }, info) => {
    const stamp = Date.now();
    await login(page, "li.na");
    const customer = await firstCustomer(page);
    const id = await newTask(page, customer);
    await formsLive(page);

    await context.setOffline(true);
    await expect(page.getByTestId("offline-banner")).toBeVisible();
    const note = `Visit while closed ${stamp}`;
    await page.getByTestId("channel-visit").tap();
    await logContact(page, "reached", note);
    const op = page.getByTestId("pending-op").filter({ hasText: note });
    await expect(op).toHaveAttribute("data-state", "queued");

    // Meanwhile the task is closed elsewhere (the API, not this offline page).
    const res = await page.request.post("/sfn/close_task", {
      headers: { Origin: baseURL! },
      form: { id: String(id), status: "done", note: "closed from another device" },
    });
    expect(res.status()).toBe(200);

    await context.setOffline(false);
    await expect(op).toHaveAttribute("data-state", "conflict");
    await expect(op.getByTestId("op-keep")).toBeVisible();
    await noHorizontalScroll(page);
    await snapAt(page, info, "conflict", op);

    await op.getByTestId("op-keep").tap();
    await expect(op).toHaveAttribute("data-state", "synced");
    await expect(page.getByTestId("log-entry").filter({ hasText: note })).toHaveCount(1);
    await expect(page.getByTestId("task-status")).toBeVisible();

    // The customer's page carries the same collection log.
    await page.goto("/customers");
    await page.locator("[data-testid=customer-row] .name-cell a").filter({ hasText: customer }).first().click();
    const log = page.getByTestId("customer-collection-log");
    await expect(log.getByTestId("log-entry").filter({ hasText: note })).toHaveCount(1);
    await noHorizontalScroll(page);
    await snapAt(page, info, "customer-collection-log", log);
  });

  test("the performance page and the dossier fit a phone", async ({ page }, info) => {
    await login(page, "li.na");
    await page.getByTestId("tabbar").getByTestId("nav-more").tap();
    await page.getByTestId("more-collections").tap();
    await expect(page).toHaveURL(/\/collections$/);
    await expect.poll(() => inked(page.getByTestId("rank-reps"))).toBeGreaterThan(1000);
    await noHorizontalScroll(page);
    await snap(page, info, "performance");

    await page.goto("/tasks");
    await page.getByTestId("task-row").first().tap();
    await page.getByTestId("dossier-link").tap();
    await expect(page.getByTestId("dossier-invoices").locator("tbody tr").first()).toBeVisible();
    await noHorizontalScroll(page);
    await snap(page, info, "dossier");
  });
});

test.describe("on a desktop", () => {
  test.beforeEach(({}, info) => test.skip(info.project.name !== "desktop", "desktop project"));

  test("worklist filters count their rows, and the score's parts add up", async ({ page }, info) => {
    await login(page, "li.na");
    await page.getByTestId("nav-tasks").first().click();
    await expect(page).toHaveURL(/\/tasks$/);
    for (const f of ["due_today", "overdue", "promised", "disputed", "all"]) {
      const chip = page.getByTestId(`filter-${f}`);
      const n = Number(await chip.getByTestId("filter-count").textContent());
      await chip.click();
      await expect(page).toHaveURL(new RegExp(`filter=${f}`));
      await expect(page.getByTestId(`filter-${f}`)).toHaveClass(/active/);
      await expect(page.getByTestId("task-row")).toHaveCount(n);
    }
    await page.getByTestId("formula").locator("summary").click();
    await expect(page.getByTestId("formula").locator("tbody tr")).toHaveCount(5);
    await snap(page, info, "tasks-worklist");

    await page.getByTestId("task-row").first().click();
    const parts = page.getByTestId("score-table").locator("tbody tr");
    await expect(parts).toHaveCount(5);
    const points = (await page.getByTestId("part-points").allTextContents()).map(Number);
    const total = Number(await page.getByTestId("score-total").textContent());
    expect(Math.round(points.reduce((a, b) => a + b, 0) * 100)).toBe(Math.round(total * 100));
    expect(total).toBeGreaterThan(0);
    await expect(page.getByTestId("invoice").first()).toBeVisible();
    await snap(page, info, "task-page");
  });

  test("a sales manager creates a task, records and resolves a dispute, reassigns it; a credit manager escalates it", async ({ page }, info) => {
    const stamp = Date.now();
    await login(page, "sun.hao");
    await page.goto("/tasks?scope=team");
    await expect(page.getByTestId("scope-team")).toHaveClass(/active/);
    const customer = await firstCustomer(page);
    const id = await newTask(page, customer);
    await expect(page.getByTestId("task-summary")).toContainText(customer);
    await formsLive(page);

    // A dispute over one invoice: a missing reason is named first, then it syncs.
    await page.getByTestId("tab-dispute").click();
    const first = page.getByTestId("dispute-form").locator(".inv-check").first();
    const number = (await first.locator(".mono").textContent())!.trim();
    await first.click();
    await page.getByTestId("dispute-category").selectOption("quality");
    await page.getByTestId("dispute-save").click();
    await expect(page.getByTestId("err-reason")).toBeVisible();
    const reason = `Cracked boom ${stamp}`;
    await page.getByTestId("dispute-reason").fill(reason);
    await page.getByTestId("dispute-save").click();
    await expect(page.getByTestId("pending-op").filter({ hasText: reason })).toHaveAttribute("data-state", "synced");
    const dispute = page.getByTestId("dispute").filter({ hasText: reason });
    await expect(dispute).toHaveAttribute("data-open", "true");
    await expect(page.locator(`[data-testid=invoice][data-number="${number}"]`).getByTestId("invoice-disputed")).toBeVisible();
    // The manager resolves it: dunning resumes.
    await dispute.getByTestId("resolution").fill("Part replaced under warranty");
    await dispute.getByTestId("resolve-save").click();
    await expect(page.getByTestId("dispute").filter({ hasText: reason })).toHaveAttribute("data-open", "false");
    await expect(page.getByTestId("log-entry").filter({ hasText: "Part replaced under warranty" })).toHaveCount(1);

    // The manager marks the customer a key account: the score's importance part is full.
    await page.getByTestId("importance").selectOption("key");
    await expect(page.getByTestId("part-importance").locator("td").nth(1)).toHaveText("100%");

    await page.getByTestId("finish-reassign").click();
    const select = page.getByTestId("reassign-to");
    expect(await select.locator("option").count()).toBeGreaterThan(2);
    await select.selectOption("role:credit_manager");
    await page.getByTestId("reassign-save").click();
    await expect(page.getByTestId("task-summary")).toContainText("信用经理");
    await snap(page, info, "task-reassigned");
    // The credit managers' pool now has it: it is on a credit manager's own list, who
    // hands it to legal and opens the dossier.
    await page.context().clearCookies();
    await login(page, "zhou.min");
    await page.goto("/tasks");
    await page.locator(`[data-task-id="${id}"]`).click();
    await formsLive(page);
    // The same browser still holds the manager's synced dispute: it is not shown to
    // another user (nor would an unsent one be sent under their session).
    await expect(page.getByTestId("pending-op")).toHaveCount(0);
    await page.getByTestId("finish-escalate").click();
    await page.getByTestId("escalate-note").fill(`Refuses to pay after the repair ${stamp}`);
    await page.getByTestId("escalate-save").click();
    await expect(page.getByTestId("escalated")).toBeVisible();
    await expect(page.getByTestId("task-status")).toBeVisible();
    await snap(page, info, "task-escalated");
    await page.getByTestId("to-dossier").click();
    await expect(page).toHaveURL(new RegExp(`/tasks/${id}/dossier$`));
    await expect(page.getByTestId("dossier-disputes").locator("tbody tr").filter({ hasText: reason })).toHaveCount(1);
  });

  test("finance edits the priority weights: a bad value is named under its field", async ({ page }, info) => {
    await login(page, "liu.fang");
    await page.goto("/collections");
    await waitForHydration(page);
    const card = page.getByTestId("terms-card");
    await expect(card).toBeVisible();
    const before = await page.getByTestId("terms-w_days").inputValue();
    await expect(page.getByTestId("terms-max")).toHaveText(/^\d+\.\d$/);
    await page.getByTestId("terms-w_days").fill("abc");
    await page.getByTestId("terms-save").click();
    await expect(page.getByTestId("err-w_days")).toBeVisible();
    await expect(page.getByTestId("terms-w_days")).toHaveClass(/invalid/);
    await snap(page, info, "weights-error");
    await page.getByTestId("terms-w_days").fill(before);
    await page.getByTestId("terms-save").click();
    await expect(page.getByTestId("terms-saved")).toBeVisible();
    await expect(page.getByTestId("err-w_days")).toHaveCount(0);
  });

  test("the performance page draws the rep and team rankings beside their tables", async ({ page }, info) => {
    await login(page, "chen.jie");
    await page.getByTestId("nav-collections").first().click();
    await expect(page).toHaveURL(/\/collections$/);
    for (const id of ["rank-reps", "rank-teams"]) {
      await expect.poll(() => inked(page.getByTestId(id))).toBeGreaterThan(1000);
    }
    await expect(page.getByTestId("perf-reps").locator("tbody tr").first()).toBeVisible();
    await expect(page.getByTestId("perf-teams").locator("tbody tr").first()).toBeVisible();
    // Executives do not work collections: no Tasks link, no weights form.
    await expect(page.getByTestId("nav-tasks")).toHaveCount(0);
    await expect(page.getByTestId("terms-card")).toHaveCount(0);
    await snap(page, info, "performance");
  });

  test("the dossier lists the invoices and the log, and links the XLSX", async ({ page }, info) => {
    await login(page, "li.na");
    await page.goto("/tasks");
    await page.getByTestId("task-row").first().click();
    await page.getByTestId("dossier-link").click();
    await expect(page).toHaveURL(/\/tasks\/\d+\/dossier$/);
    await expect(page.getByTestId("dossier-invoices").locator("tbody tr").first()).toBeVisible();
    await expect(page.getByTestId("dossier-log").locator("tbody tr").first()).toBeVisible();
    await expect(page.getByTestId("dossier-xlsx")).toHaveAttribute("href", /^\/export\/dossier\/\d+\.xlsx$/);
    const res = await page.request.get((await page.getByTestId("dossier-xlsx").getAttribute("href"))!);
    expect(res.status()).toBe(200);
    expect((await res.body()).subarray(0, 2).toString()).toBe("PK"); // a zip: the workbook
    await expect(page.getByTestId("print")).toBeVisible();
    await snap(page, info, "dossier");
  });
});

test.describe("without JavaScript", () => {
  test.beforeEach(({}, info) => test.skip(info.project.name !== "ssr", "ssr project"));

  test("the worklist and a task page render on the server", async ({ page }, info) => {
    await page.goto("/login");
    await page.getByTestId("username").fill("li.na");
    await page.getByTestId("password").fill(PASSWORD);
    await page.getByTestId("login-form").locator("button[type=submit]").click();
    await expect(page).toHaveURL(/\/$/);

    await page.goto("/tasks?filter=all");
    const rows = page.getByTestId("task-row");
    expect(await rows.count()).toBeGreaterThan(0);
    await expect(page.getByTestId("filter-all")).toHaveClass(/active/);
    // Filters are links: they work without JavaScript.
    await page.getByTestId("filter-due_today").click();
    await expect(page).toHaveURL(/filter=due_today/);
    await expect(page.getByTestId("task-row")).toHaveCount(Number(await page.getByTestId("filter-due_today").getByTestId("filter-count").textContent()));
    await snap(page, info, "tasks-worklist");

    await page.goto("/tasks");
    const href = (await rows.first().getAttribute("href"))!;
    await page.goto(href);
    await expect(page.getByTestId("task-summary")).toBeVisible();
    await expect(page.getByTestId("invoice").first()).toBeVisible();
    await expect(page.getByTestId("score-table").locator("tbody tr")).toHaveCount(5);
    await expect(page.getByTestId("log-entry").first()).toBeVisible();
    // The queue needs the browser: its forms stay disabled.
    await expect(page.getByTestId("contact-save")).toBeDisabled();
    await snap(page, info, "task-page");

    // The dossier is plain HTML too (printing needs the browser: no Print button).
    await page.goto(`${href}/dossier`);
    await expect(page.getByTestId("dossier-invoices").locator("tbody tr").first()).toBeVisible();
    await expect(page.getByTestId("dossier-log").locator("tbody tr").first()).toBeVisible();
    await expect(page.getByTestId("print")).toBeHidden();
  });
});
