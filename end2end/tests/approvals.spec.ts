import { expect, Locator, Page, test } from "@playwright/test";
import { login, snap, waitForHydration } from "./helpers";
import { mouseDrag, touchDrag } from "./drag";

/** The phone project drags with a finger, the desktop one with the mouse. */
function dragger(page: Page, project: string) {
  return (source: Locator, target: Locator, opts = {}) =>
    project === "phone" ? touchDrag(page, source, target, opts) : mouseDrag(page, source, target, opts);
}

async function noHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

test("a sales rep files a temporary limit application and sees it routed", async ({ page }, info) => {
  await login(page, "li.na");
  await page.goto("/applications/new");
  await waitForHydration(page);
  await page.getByTestId("app-customer").selectOption({ index: 2 });
  // The customer's credit picture appears before the rep asks.
  const snapshot = page.getByTestId("credit-snapshot");
  await expect(snapshot).toBeVisible();
  await expect(page.getByTestId("snap-available")).toContainText("¥");
  await page.getByTestId("app-kind").getByText("临时额度").click();
  await expect(page.getByTestId("app-expires")).toBeVisible();
  // A bad amount is named by the server and nothing is filed.
  await page.getByTestId("app-amount").fill("12.345");
  await page.getByTestId("app-reason").fill("工地旺季，临时增加额度");
  await page.getByTestId("app-submit").click();
  await expect(page.getByRole("alert")).toContainText("amount");
  if (info.project.name === "phone") await noHorizontalScroll(page);
  await snap(page, info, "application-form");

  await page.getByTestId("app-amount").fill("30000");
  await page.getByTestId("app-submit").click();
  await expect(page).toHaveURL(/\/applications\/\d+$/);
  await expect(page.getByTestId("app-status")).toHaveText("审批中");
  // Routed by the default policy: up to 50,000 goes to the sales manager, then finance.
  const steps = page.getByTestId("snap-step");
  await expect(steps).toHaveCount(2);
  await expect(steps.nth(0)).toContainText("销售经理");
  await expect(steps.nth(1)).toContainText("财务");
  await expect(page.getByTestId("trail-item").first()).toContainText("已提交");
  // The rep attaches the contract; a renamed non-PDF is refused by name.
  await page.getByTestId("attach-file").setInputFiles({ name: "fake.pdf", mimeType: "application/pdf", buffer: Buffer.from("MZ not a pdf") });
  await page.getByTestId("attach-submit").click();
  await expect(page.getByTestId("attachments").getByRole("alert")).toContainText("fake.pdf: not a PDF, PNG or JPEG file");
  await page.getByTestId("attach-file").setInputFiles({ name: "购销合同.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n% contract\n") });
  await page.getByTestId("attach-submit").click();
  await expect(page.getByTestId("attachment")).toContainText("购销合同.pdf");
  if (info.project.name === "phone") await noHorizontalScroll(page);
  await snap(page, info, "application");
});

test("the sales manager approves by dragging a card to Approved, after a comment and a confirmation", async ({ page }, info) => {
  await login(page, "sun.hao");
  await page.goto("/approvals");
  await waitForHydration(page);
  const waiting = page.getByTestId("col-waiting_for_me").getByTestId("kcard");
  await expect(waiting.first()).toBeVisible();
  const before = await waiting.count();
  await snap(page, info, "board");
  const card = waiting.first();
  const id = await card.getAttribute("data-id");
  const target = info.project.name === "phone" ? page.getByTestId("dock-approve") : page.getByTestId("col-approved");
  await dragger(page, info.project.name)(card, target);
  // The drop asks before it decides.
  const dialog = page.getByTestId("decision-dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`#${id}`);
  await snap(page, info, "board-confirm");
  await page.getByTestId("decision-comment").fill("同意");
  await page.getByTestId("decision-confirm").click();
  await expect(dialog).toBeHidden();
  // No longer waiting for this manager: it moved on to the next approver (or was approved).
  await expect(waiting).toHaveCount(before - 1);
  await expect(page.locator(`[data-testid=kcard][data-id="${id}"]`)).toHaveCount(1);
  await page.goto(`/applications/${id}`);
  const approval = page.getByTestId("trail-item").filter({ hasText: "已批准" });
  await expect(approval).toContainText("孙浩");
  await expect(approval).toContainText("同意");

  // Rejecting from a card's buttons insists on a reason.
  await page.goto("/approvals");
  await waitForHydration(page);
  const next = page.getByTestId("col-waiting_for_me").getByTestId("kcard").first();
  await next.getByTestId("btn-reject").click();
  await expect(page.getByTestId("decision-confirm")).toBeDisabled();
  await page.getByTestId("decision-comment").fill("额度过高");
  await expect(page.getByTestId("decision-confirm")).toBeEnabled();
  await page.getByRole("button", { name: "取消" }).click();
  await expect(page.getByTestId("decision-dialog")).toBeHidden();

  // Going away: the manager delegates their approvals to a colleague for a week.
  await page.getByTestId("away").locator("summary").click();
  await page.getByTestId("away-to").selectOption({ label: "周敏" });
  await page.getByTestId("away-save").click();
  await expect(page.getByTestId("away-saved")).toBeVisible();
  if (info.project.name === "phone") await noHorizontalScroll(page);
});

/** The approvers of a chain's steps, in order. */
async function order(chain: Locator): Promise<string[]> {
  return chain.getByTestId("step-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-approver") ?? ""));
}

test("finance reorders a chain by dragging, adds a step from the palette, and saves", async ({ page }, info) => {
  await login(page, "liu.fang");
  await page.goto("/approvals/policy");
  await waitForHydration(page);
  const drag = dragger(page, info.project.name);
  const large = page.getByTestId("chain-large");
  const start = await order(large);
  expect(start.length).toBeGreaterThanOrEqual(3);
  await snap(page, info, "designer");

  // Drag the last step by its handle above the first (the whole chain on screen).
  const rows = large.getByTestId("step-row");
  await large.getByTestId("steps").evaluate((e) => e.scrollIntoView({ block: "center" }));
  await drag(rows.last().locator("[data-drag-handle]"), rows.first(), { position: "top" });
  const moved = [start[start.length - 1], ...start.slice(0, -1)];
  await expect.poll(() => order(large)).toEqual(moved);

  // The buttons do the same without a pointer: move the new first step back down.
  await large.getByTestId("step-row").first().getByTestId("step-down").click();
  const swapped = [moved[1], moved[0], ...moved.slice(2)];
  await expect.poll(() => order(large)).toEqual(swapped);

  // A chip dropped at the top of the standard chain adds an executive step first.
  const standard = page.getByTestId("chain-standard");
  const n = await standard.getByTestId("step-row").count();
  await drag(page.getByTestId("chip-role:executive"), standard.getByTestId("steps"), { position: "top" });
  await expect(standard.getByTestId("step-row")).toHaveCount(n + 1);
  await expect(standard.getByTestId("step-row").first()).toHaveAttribute("data-approver", "role:executive");

  await page.getByTestId("save-policy").click();
  await expect(page.getByTestId("policy-saved")).toBeVisible();
  await page.reload();
  await waitForHydration(page);
  await expect.poll(() => order(page.getByTestId("chain-large"))).toEqual(swapped);
  await expect(page.getByTestId("chain-standard").getByTestId("step-row")).toHaveCount(n + 1);
  if (info.project.name === "phone") await noHorizontalScroll(page);
  await snap(page, info, "designer-saved");

  // Put the standard chain back as it was, for the other tests of this run.
  await page.getByTestId("chain-standard").getByTestId("step-row").first().getByRole("button", { name: "删除" }).click();
  await page.getByTestId("save-policy").click();
  await expect(page.getByTestId("policy-saved")).toBeVisible();
});
