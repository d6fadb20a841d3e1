// Every route, for every role that may open it, on a desktop and on a phone. Each page is
// opened by URL (a first load), must hydrate, and then runs a moment longer without a
// console error, an uncaught exception or a failed /pkg/ fetch. A Rust panic shows as
// "panicked at …" and then "RuntimeError: unreachable" and leaves the page dead, so a
// page that panics after hydration (as /adjustments did, calling the wall clock in the
// browser) fails here, by route and role, rather than in someone's browser. A page a
// role may open must not greet it with an error notice; a page it may not open is also
// visited once per role (refusals are error notices, not redirects) and must render that
// refusal cleanly. On the phone, no page may scroll sideways.
//
// It also holds the first-load byte budget: the brotli bytes of the /pkg/ JS and WASM a
// page fetches before it hydrates (fresh cache), per route, and the size of every lazy
// chunk (once the client is split). Sizes do not depend on the viewport, so those run on
// the desktop project only.
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { existsSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { login, waitForHydration } from "./helpers";

// ------------------------------------------------------------------ budgets

// Brotli bytes (1 KB = 1000 B) as served from the precompressed build. A first load is
// every /pkg/*.js and /pkg/*.wasm whose request started before <body data-hydrated>: the
// main file plus the chunk of the route's group (app/src/ui/routes.rs) and the chunks it
// shares. These are ratchets, per group, at this build's sizes plus about 1.5 % (the same
// commit built in another checkout differs by a few hundred bytes; the unsplit client
// was 1.12 MB for every route): lower them as the client shrinks; raise one only in the
// commit of a feature that needs the bytes, saying so (office 1,045 → 1,060 KB and figures
// 555 → 558 KB with the customer's sensitive-fields card and the form code the admin page
// shares with the other groups, which wasm-split moved into shared chunks; office
// 1,075 → 1,087 KB and its chunk 565 → 582 KB with the customer page's group card and
// its editor: two forms, their server functions and the group rows; chunk 582 → 586 KB
// for the group's limit form, 577,589 B measured; figures 566 → 579 KB and field 538 →
// 546 KB, 570,541 and 538,671 B measured, with the cockpit's bills card and the shared
// chunks that the bills page's own group re-cut: the office chunk fell to 576 KB). Issue 19's targets are 150 KB for /login, 250 KB for any route and 120 KB
// per lazy chunk; the main file alone (the framework, router, shell and offline queue)
// is 277 KB today, so they need a lighter main file, not more split points.
const FIRST_LOAD_BUDGETS: readonly (readonly [RegExp, number])[] = [
  [/^\/login$/, 0], // server-rendered only: no client at all
  [/^\/more$/, 290_000], // main only: the shell's own page
  [/^\/tasks(\/:id)?$/, 546_000], // field group: a rep's worklist and tasks
  [/^\/(aging|reports.*)?$/, 579_000], // figures group: cockpit, aging, reports
  [/./, 1_087_000], // office group: everything else
];
const firstLoadBudget = (path: string) => FIRST_LOAD_BUDGETS.find(([re]) => re.test(path))![1];
const LAZY_CHUNK_BUDGET = 586_000;

/** The site the server serves (start-server.sh: `$root/target/site`). */
const PKG = path.resolve(__dirname, "../../target/site/pkg");
/** The main WASM (`creditdesk.wasm`, or `creditdesk.<hash>.wasm`); any other is a lazy chunk. */
const MAIN_WASM = /^creditdesk[^/]*\.wasm$/;
/** With CREDITDESK_BUDGETS=1 a build without `.br` files fails the budgets instead of skipping them. */
const BUDGETS_REQUIRED = process.env.CREDITDESK_BUDGETS === "1";

/** After hydration: a quiet network (capped), then a beat, so late panics surface. */
const NETWORK_IDLE_CAP_MS = 3_000;
const SETTLE_MS = 300;
/** Test time allowed per page opened (a dead page waits 30 s for hydration). */
const PER_VISIT_MS = 40_000;

// ------------------------------------------------------------------ who may open what

type Role = "admin" | "executive" | "finance" | "credit_manager" | "sales_manager" | "sales_rep";

interface DemoUser {
  username: string;
  role: Role;
}

/** One demo user per role (password demo1234): one test each, per project. */
const USERS: readonly DemoUser[] = [
  { username: "admin", role: "admin" },
  { username: "chen.jie", role: "executive" },
  { username: "liu.fang", role: "finance" },
  { username: "zhou.min", role: "credit_manager" },
  { username: "sun.hao", role: "sales_manager" },
  { username: "li.na", role: "sales_rep" },
];

// Groups from `Role::allows` (app/src/domain/auth.rs).
const EVERYONE: readonly Role[] = ["admin", "executive", "finance", "credit_manager", "sales_manager", "sales_rep"];
/** PostLedger, ImportData, ConfigureFinance. */
const FINANCE: readonly Role[] = ["admin", "finance"];
/** ViewAudit. */
const AUDITORS: readonly Role[] = ["admin", "finance", "executive", "credit_manager"];
/** WorkCollections and ApplyForCredit: everyone but the executive. */
const NOT_EXECUTIVE: readonly Role[] = ["admin", "finance", "credit_manager", "sales_manager", "sales_rep"];
/** Notification settings (`rules::ssr::admin`). */
const ADMIN: readonly Role[] = ["admin"];

/** Where a `:id` route finds a real id at test time: the first matching link on a list page. */
interface IdSource {
  /** List pages, tried in order until one has a link. */
  from: readonly string[];
  link: string;
  /** Users the demo data always gives one: a miss fails for them, and is noted for others. */
  seeded: readonly string[] | "everyone";
}

const CUSTOMER: IdSource = { from: ["/customers"], link: '[data-testid=customer-row] a[href^="/customers/"]', seeded: "everyone" };
// None in the demo data: `beforeAll` below saves one if the database has none.
const TEMPLATE: IdSource = { from: ["/reports/templates"], link: "[data-testid=tpl-run]", seeded: "everyone" };
// The demo applications are all filed by the first rep (li.na); a rep sees only their own.
const APPLICATION: IdSource = {
  from: ["/approvals"],
  link: '[data-testid=kcard] a[href^="/applications/"]',
  seeded: ["admin", "chen.jie", "liu.fang", "zhou.min", "sun.hao", "li.na"],
};
// The default rules are installed at every start; runs happen only at a rule's time of day.
const RULE: IdSource = { from: ["/rules"], link: "[data-testid=rule-name-link]", seeded: ["admin", "liu.fang"] };
const RULE_RUN: IdSource = { from: ["/rules"], link: '[data-testid=runs-table] a[href^="/rules/runs/"]', seeded: [] };
// Demo tasks go to the first two reps; managers see them under "team" (every rep reports to sun.hao).
const TASK: IdSource = {
  from: ["/tasks", "/tasks?scope=team"],
  link: "a[data-testid=task-row]",
  seeded: ["admin", "liu.fang", "zhou.min", "sun.hao", "li.na", "wang.qiang"],
};

interface Route {
  /** As the router declares it (app/src/ui/mod.rs). */
  path: string;
  /** Who may open it (per the server functions it calls); the login page is for the signed out. */
  roles: readonly Role[] | "signed out";
  /** For a `:id` route: where the id comes from; `suffix` follows it. */
  id?: IdSource;
  suffix?: string;
  /** Who opens it for the byte budget (null: signed out). */
  measureAs: string | null;
  /** Served as plain HTML without the client (app/src/ui/mod.rs SERVER_ONLY_PAGES). */
  serverOnly?: true;
}

const ROUTES: readonly Route[] = [
  // Signed in, /login redirects to /.
  { path: "/login", roles: "signed out", measureAs: null, serverOnly: true },
  // ViewCockpit, ViewCustomers, ViewReceivables: everyone (a rep through their scope).
  { path: "/", roles: EVERYONE, measureAs: "chen.jie" },
  { path: "/customers", roles: EVERYONE, measureAs: "chen.jie" },
  { path: "/customers/:id", roles: EVERYONE, id: CUSTOMER, measureAs: "chen.jie" },
  { path: "/invoices", roles: EVERYONE, measureAs: "chen.jie" },
  { path: "/aging", roles: EVERYONE, measureAs: "chen.jie" },
  // PostLedger / ImportData: the forms render for anyone, only these may post (and see the links).
  { path: "/payments/new", roles: FINANCE, measureAs: "liu.fang" },
  { path: "/adjustments", roles: FINANCE, measureAs: "liu.fang" },
  { path: "/bills", roles: FINANCE, measureAs: "liu.fang" },
  { path: "/import", roles: FINANCE, measureAs: "liu.fang" },
  { path: "/audit", roles: AUDITORS, measureAs: "liu.fang" },
  // The phone's "More" tab.
  { path: "/more", roles: EVERYONE, measureAs: "chen.jie" },
  // The user's own account (password, sessions): anyone signed in.
  { path: "/account", roles: EVERYONE, measureAs: "li.na" },
  // alert_settings and inbox: ViewCockpit (finance edits the alert rules).
  { path: "/alerts", roles: EVERYONE, measureAs: "chen.jie" },
  { path: "/inbox", roles: EVERYONE, measureAs: "chen.jie" },
  // credit_report: ViewCockpit; report_templates, run_report_template: ViewReceivables.
  { path: "/reports", roles: EVERYONE, measureAs: "chen.jie" },
  { path: "/reports/templates", roles: EVERYONE, measureAs: "chen.jie" },
  { path: "/reports/templates/:id", roles: EVERYONE, id: TEMPLATE, measureAs: "chen.jie" },
  // ViewApplications: everyone (the policy is read-only but for finance); applying: ApplyForCredit.
  { path: "/approvals", roles: EVERYONE, measureAs: "zhou.min" },
  { path: "/approvals/policy", roles: EVERYONE, measureAs: "zhou.min" },
  { path: "/applications/new", roles: NOT_EXECUTIVE, measureAs: "zhou.min" },
  { path: "/applications/:id", roles: EVERYONE, id: APPLICATION, measureAs: "zhou.min" },
  // scoring_page: ViewCustomers; the back-test page shows a refusal unless ConfigureFinance.
  { path: "/scoring", roles: EVERYONE, measureAs: "chen.jie" },
  { path: "/scoring/backtest", roles: FINANCE, measureAs: "liu.fang" },
  // Every rules server function: ConfigureFinance.
  { path: "/rules", roles: FINANCE, measureAs: "liu.fang" },
  { path: "/rules/new", roles: FINANCE, measureAs: "liu.fang" },
  { path: "/rules/runs/:id", roles: FINANCE, id: RULE_RUN, measureAs: "liu.fang" },
  { path: "/rules/:id", roles: FINANCE, id: RULE, measureAs: "liu.fang" },
  // WorkCollections (a rep their own tasks, managers the team's).
  { path: "/tasks", roles: NOT_EXECUTIVE, measureAs: "li.na" },
  { path: "/tasks/:id", roles: NOT_EXECUTIVE, id: TASK, measureAs: "li.na" },
  { path: "/tasks/:id/dossier", roles: NOT_EXECUTIVE, id: TASK, suffix: "/dossier", measureAs: "li.na" },
  // collections_performance: ViewCockpit (finance edits the weights).
  { path: "/collections", roles: EVERYONE, measureAs: "chen.jie" },
  { path: "/settings/notifications", roles: ADMIN, measureAs: "admin" },
  // Users and API keys: ManageUsers / ManageApiKeys, the admin's.
  { path: "/admin/users", roles: ADMIN, measureAs: "admin" },
];

const mayOpen = (route: Route, user: DemoUser) => route.roles !== "signed out" && route.roles.includes(user.role);

// ------------------------------------------------------------------ watching a page

/** What went wrong where, gathered over a test and reported at its end. */
interface Log {
  /** The page being looked at, named in every finding. */
  at: string;
  /** Visiting a page this role may not use: its 401/403 loads are expected. */
  refused: boolean;
  errors: string[];
  notices: string[];
  missing: string[];
  overflow: string[];
}

const REFUSED_LOAD = /Failed to load resource: the server responded with a status of 40[13]/;

/** The first lines of a (possibly long, stack-laden) message. */
const brief = (text: string) => text.split("\n").slice(0, 6).join("\n").slice(0, 800);

function watch(page: Page): Log {
  const log: Log = { at: "(signing in)", refused: false, errors: [], notices: [], missing: [], overflow: [] };
  page.on("console", (m) => {
    if (m.type() !== "error" || (log.refused && REFUSED_LOAD.test(m.text()))) return;
    log.errors.push(`${log.at}: console.error: ${brief(m.text())}`);
  });
  page.on("pageerror", (e) => log.errors.push(`${log.at}: uncaught ${e.name}: ${brief(e.message)}`));
  page.on("response", (r) => {
    if (new URL(r.url()).pathname.startsWith("/pkg/") && r.status() >= 400) log.errors.push(`${log.at}: ${r.url()} answered ${r.status()}`);
  });
  return log;
}

async function settle(page: Page) {
  await page.waitForLoadState("networkidle", { timeout: NETWORK_IDLE_CAP_MS }).catch(() => undefined);
  await page.waitForTimeout(SETTLE_MS);
}

/** Opens `url` by address and waits until it is live or has died; false if it never hydrated. */
async function open(page: Page, url: string, log: Log, label: string): Promise<boolean> {
  log.at = label;
  // A panic during hydration means <body data-hydrated> never comes: stop waiting at the crash.
  const crashed = page.waitForEvent("pageerror", { timeout: 30_000 }).then(
    () => true,
    () => false,
  );
  const response = await page.goto(url);
  const status = response?.status() ?? 0;
  if (status >= 500) log.errors.push(`${label}: HTTP ${status}`);
  expect(new URL(page.url()).pathname, `${label} redirected to ${page.url()} (signed out?)`).toBe(new URL(url, page.url()).pathname);
  const hydrated = waitForHydration(page).then(
    () => true,
    () => false,
  );
  await Promise.race([hydrated, crashed]);
  await settle(page);
  const live = (await page.locator("body[data-hydrated]").count()) > 0;
  if (!live) log.errors.push(`${label}: never hydrated (no body[data-hydrated])`);
  return live;
}

/** Opens a page served without the client: it must load no JS or WASM and never hydrate. */
async function openServerOnly(page: Page, url: string, log: Log, label: string) {
  log.at = label;
  const pkg: string[] = [];
  page.on("request", (r) => {
    const file = new URL(r.url()).pathname;
    if (/^\/pkg\/.+\.(js|wasm)$/.test(file)) pkg.push(file);
  });
  const response = await page.goto(url);
  if ((response?.status() ?? 0) >= 500) log.errors.push(`${label}: HTTP ${response?.status()}`);
  await settle(page);
  if (pkg.length > 0) log.errors.push(`${label}: a server-only page fetched ${pkg.join(", ")}`);
  if ((await page.locator("body[data-hydrated]").count()) > 0) log.errors.push(`${label}: a server-only page hydrated`);
}

/** An error notice on a page the role may open means the table above, or the page, is wrong. */
async function noRefusal(page: Page, log: Log, label: string, user: string) {
  const notices = await page.locator(".notice-error:visible").allInnerTexts();
  if (notices.length > 0) log.notices.push(`${label} as ${user}: ${notices.map((n) => n.replace(/\s+/g, " ").trim()).join(" | ")}`);
}

/** On a phone, nothing may scroll sideways; names the widest elements. */
async function fitsPhone(page: Page, log: Log, label: string) {
  if (test.info().project.name !== "phone") return;
  const { scroll, inner, wide } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    wide: [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}.${(e as HTMLElement).className}`),
  }));
  if (scroll > inner) log.overflow.push(`${label}: ${scroll}px wide in a ${inner}px viewport (${wide.join(", ")})`);
}

/** The URL of a `:id` route for the signed-in user, or null when their lists have none. */
async function urlWithId(page: Page, route: Route, log: Log, cache: Map<string, string | null>): Promise<string | null> {
  const source = route.id!;
  const key = `${source.from.join(" ")} ${source.link}`;
  if (!cache.has(key)) {
    let href: string | null = null;
    for (const from of source.from) {
      await open(page, from, log, `${from} (finding an id for ${route.path})`);
      const link = page.locator(source.link).first();
      if ((await link.count()) > 0) {
        href = await link.getAttribute("href");
        break;
      }
    }
    cache.set(key, href);
  }
  const href = cache.get(key);
  return href ? `${href}${route.suffix ?? ""}` : null;
}

/** Fails (for seeded users) or notes (for others) a `:id` route left unvisited. */
function noId(route: Route, username: string, log: Log) {
  const seeded = route.id!.seeded === "everyone" || route.id!.seeded.includes(username);
  const what = `${route.path}: no link on ${route.id!.from.join(" or ")} for ${username}`;
  if (seeded) log.missing.push(what);
  else test.info().annotations.push({ type: "route not visited", description: what });
}

const labelOf = (route: Route, url: string) => (url === route.path ? route.path : `${route.path} (${url})`);

function report(log: Log) {
  expect.soft(log.errors, "console errors, uncaught exceptions, failed chunk loads, pages that never hydrated").toEqual([]);
  expect.soft(log.notices, "error notices on pages this role may open").toEqual([]);
  expect.soft(log.missing, "ids the demo data should have given this user").toEqual([]);
  expect.soft(log.overflow, "pages that scroll sideways on a phone").toEqual([]);
}

// ------------------------------------------------------------------ every page, every role

// The template run page needs a template; the demo data has none, so finance saves one
// through the designer if the database has none yet.
test.beforeAll(async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await login(page, "liu.fang");
    await page.goto("/reports/templates");
    await waitForHydration(page);
    if ((await page.getByTestId("tpl-run").count()) === 0) {
      const form = page.getByTestId("template-form");
      await form.getByTestId("tpl-name").fill("路由巡检 routes.spec");
      await form.getByTestId("tpl-save").click();
      await expect(page.getByTestId("tpl-saved")).toBeVisible();
    }
  } finally {
    await context.close();
  }
});

test("signed out: the login page loads cleanly, as plain HTML", async ({ page }) => {
  const log = watch(page);
  try {
    for (const route of ROUTES.filter((r) => r.roles === "signed out")) {
      if (route.serverOnly) await openServerOnly(page, route.path, log, route.path);
      else await open(page, route.path, log, route.path);
      await fitsPhone(page, log, route.path);
    }
  } finally {
    report(log);
  }
});

for (const user of USERS) {
  test(`${user.username} (${user.role}) opens every page they may, and each hydrates cleanly`, async ({ page }) => {
    const mine = ROUTES.filter((r) => mayOpen(r, user));
    const refused = ROUTES.filter((r) => r.roles !== "signed out" && !r.id && !mayOpen(r, user));
    test.setTimeout(PER_VISIT_MS * (2 * mine.length + refused.length + 2));
    const log = watch(page);
    try {
      await login(page, user.username);
      const ids = new Map<string, string | null>();
      for (const route of mine) {
        const url = route.id ? await urlWithId(page, route, log, ids) : route.path;
        if (!url) {
          noId(route, user.username, log);
          continue;
        }
        const label = labelOf(route, url);
        if (await open(page, url, log, label)) await noRefusal(page, log, label, user.username);
        await fitsPhone(page, log, label);
      }
      // Pages this role may not use: a refusal notice, rendered without an error.
      log.refused = true;
      for (const route of refused) {
        const label = `${route.path} (refused to ${user.role})`;
        await open(page, route.path, log, label);
        await fitsPhone(page, log, label);
      }
    } finally {
      report(log);
    }
  });
}

// ------------------------------------------------------------------ bytes

/** Every file under `dir`, as a `/`-separated path relative to it. */
function filesUnder(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** Size of `pkg/<file>.br`, or null when the build did not precompress it. */
function brotliBytes(file: string): number | null {
  const br = path.join(PKG, `${file}.br`);
  return existsSync(br) ? statSync(br).size : null;
}

const bytes = (n: number) => `${n.toLocaleString("en-US")} B`;

/** Runs in every new document: notes the moment the app marks <body data-hydrated>. */
function markHydrationTime() {
  const w = window as unknown as { __hydratedAt?: number };
  new MutationObserver((_, observer) => {
    if (document.body?.hasAttribute("data-hydrated")) {
      w.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, attributeFilter: ["data-hydrated"], subtree: true });
}

/** The /pkg/ JS and WASM (paths under pkg/) whose requests started before `url` hydrated
 * (or, for a page that does not hydrate, by the time it has settled), in a new page with
 * the HTTP cache off. Needs `markHydrationTime` on the context. */
async function fetchedBeforeHydration(context: BrowserContext, url: string, hydrates = true): Promise<string[]> {
  const page = await context.newPage();
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await page.goto(url);
    if (hydrates) await waitForHydration(page);
    // A resource is listed once it has arrived: let those started before hydration finish.
    await settle(page);
    const { at, names } = await page.evaluate(() => ({
      at: (window as unknown as { __hydratedAt?: number }).__hydratedAt,
      names: (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).map((e) => ({ name: e.name, start: e.startTime })),
    }));
    if (hydrates && at === undefined) throw new Error(`${url}: hydrated, but the moment was not recorded`);
    const files = names
      .filter((e) => at === undefined || e.start <= at)
      .map((e) => new URL(e.name).pathname)
      .filter((p) => /^\/pkg\/.+\.(js|wasm)$/.test(p))
      .map((p) => decodeURIComponent(p.slice("/pkg/".length)));
    return [...new Set(files)];
  } finally {
    await page.close();
  }
}

test.describe("byte budget", () => {
  test.beforeEach(({}, info) => {
    test.skip(info.project.name !== "desktop", "sizes do not depend on the viewport: measured on the desktop project");
    const precompressed = filesUnder(PKG).some((f) => f.endsWith(".br"));
    test.skip(
      !precompressed && !BUDGETS_REQUIRED,
      `${PKG} has no .br files (a build without precompression, e.g. a debug build); CREDITDESK_BUDGETS=1 makes this a failure`,
    );
  });

  test("each route's first load stays within its brotli budget", async ({ browser }) => {
    expect(existsSync(PKG), `${PKG} does not exist: build the site first`).toBe(true);
    test.setTimeout(PER_VISIT_MS * (2 * ROUTES.length + 6));
    const sessions = new Map<string, { context: BrowserContext; finder: Page; log: Log; ids: Map<string, string | null> }>();
    const session = async (username: string | null) => {
      let s = sessions.get(username ?? "");
      if (!s) {
        const context = await browser.newContext();
        await context.addInitScript(markHydrationTime);
        const finder = await context.newPage();
        s = { context, finder, log: watch(finder), ids: new Map() };
        if (username) await login(finder, username);
        sessions.set(username ?? "", s);
      }
      return s;
    };
    const over: string[] = [];
    const unmeasured: string[] = [];
    const notPrecompressed: string[] = [];
    const table: string[] = [];
    try {
      for (const route of ROUTES) {
        const s = await session(route.measureAs);
        const url = route.id ? await urlWithId(s.finder, route, s.log, s.ids) : route.path;
        if (!url) {
          noId(route, route.measureAs ?? "", s.log);
          unmeasured.push(...s.log.missing.splice(0));
          continue;
        }
        const label = labelOf(route, url);
        let files: string[];
        try {
          files = await fetchedBeforeHydration(s.context, url, !route.serverOnly);
        } catch (e) {
          unmeasured.push(`${label}: ${brief(String(e))}`);
          continue;
        }
        if (!route.serverOnly && !files.some((f) => f.endsWith(".wasm"))) unmeasured.push(`${label}: no WASM fetched before hydration`);
        const chunks = files.map((file) => ({ file, size: brotliBytes(file) }));
        for (const c of chunks.filter((c) => c.size === null)) notPrecompressed.push(`${label}: pkg/${c.file}.br is missing: the build was not precompressed`);
        const sized = chunks.flatMap((c) => (c.size === null ? [] : [{ file: c.file, size: c.size }])).sort((a, b) => b.size - a.size);
        const total = sized.reduce((n, c) => n + c.size, 0);
        const budget = firstLoadBudget(route.path);
        const parts = sized.map((c) => `${c.file} ${bytes(c.size)}`).join(", ");
        table.push(`${label} as ${route.measureAs ?? "signed out"}: ${bytes(total)} (${parts})`);
        if (total > budget) over.push(`${label} first load ${bytes(total)} brotli > ${bytes(budget)}: ${parts}`);
      }
    } finally {
      for (const s of sessions.values()) await s.context.close();
    }
    console.log(`first loads, brotli:\n  ${table.join("\n  ")}`);
    expect.soft(notPrecompressed, "files without a .br sibling").toEqual([]);
    expect.soft(unmeasured, "routes that could not be measured").toEqual([]);
    expect.soft(over, "first loads over budget").toEqual([]);
  });

  test("each lazy WASM chunk stays within its brotli budget", async ({}, info) => {
    expect(existsSync(PKG), `${PKG} does not exist: build the site first`).toBe(true);
    const chunks = filesUnder(PKG).filter((f) => f.endsWith(".wasm") && !MAIN_WASM.test(f));
    if (chunks.length === 0) {
      info.annotations.push({ type: "note", description: "no lazy WASM chunks in target/site/pkg (a build without --split)" });
      return;
    }
    const missing = chunks.filter((f) => brotliBytes(f) === null).map((f) => `pkg/${f}.br is missing: the build was not precompressed`);
    const over = chunks
      .map((file) => ({ file, size: brotliBytes(file) }))
      .filter((c): c is { file: string; size: number } => c.size !== null && c.size > LAZY_CHUNK_BUDGET)
      .sort((a, b) => b.size - a.size)
      .map((c) => `${c.file} ${bytes(c.size)} brotli > ${bytes(LAZY_CHUNK_BUDGET)}`);
    expect.soft(missing, "chunks without a .br sibling").toEqual([]);
    expect.soft(over, "lazy chunks over budget").toEqual([]);
  });
});
