#!/usr/bin/env node
// bench-web.mjs — `make bench-web`: the CreditDesk web client as a phone user sees it.
//
// A benchmark, not a test: nothing asserts, the numbers are printed next to their targets.
//
//   1. Starts the release server on a fresh SQLite database with the demo data, on a free
//      local port, and waits for /healthz. The server is stopped at the end, also on error
//      or Ctrl-C.
//   2. Signs in as chen.jie, zhou.min and li.na (password demo1234) by posting to the
//      `login` server function (POST /sfn/login, form-urlencoded `form[username]`,
//      `form[password]`, same-origin Origin header) and keeps each `creditdesk_session`
//      cookie.
//   3. Runs Lighthouse 12 (default mobile preset: phone emulation, simulated slow 4G and
//      4x CPU, performance category only) in Debian's headless Chromium on
//        /login signed out, / as chen.jie, /tasks as li.na, /approvals as zhou.min,
//      passing the cookie with `extraHeaders`.
//   4. Prints a markdown table: LCP, TBT, time to interactive, CLS, total byte weight.
//   5. Prints the brotli sizes of every .wasm and .js under target/site/pkg/ (the
//      precompressed .br sibling when present, else Node's brotli at quality 11,
//      marked "(computed)"), split into the initial load and the lazy chunks.
//   6. Saves the raw Lighthouse JSON reports, the server log and the printed summary
//      under target/bench-web/.
//
// Lighthouse and chrome-launcher are pinned in end2end/bench/package.json + package-lock.json
// and installed on first use with `npm ci` into end2end/bench/node_modules (skipped when
// the pinned versions are already there).
//
// Usage:  node end2end/bench/bench-web.mjs [--sizes-only]
// Environment:
//   CREDITDESK_BIN        server binary (default ${CARGO_TARGET_DIR:-<repo>/target}/release/creditdesk)
//   CREDITDESK_SITE_ROOT  site root holding pkg/ (default <repo>/target/site)
//   CHROME_PATH           Chromium (default /usr/bin/chromium)
//   BENCH_WEB_PORT        port to serve on (default: a free one)
//   BENCH_WEB_RUNS        Lighthouse runs per page; with more than one, each metric is the
//                         median over the runs (default 1)
//   BENCH_WEB_OUT         where reports go (default <repo>/target/bench-web)
//   BENCH_WEB_MAX_ROWS    lazy chunks listed one per row (default 40; every chunk over its
//                         target is listed anyway, the rest are summed in one row; 0 = all)

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "../..");
const TARGET_DIR = process.env.CARGO_TARGET_DIR || path.join(REPO, "target");
const BIN = process.env.CREDITDESK_BIN || path.join(TARGET_DIR, "release", "creditdesk");
const SITE_ROOT = process.env.CREDITDESK_SITE_ROOT || path.join(REPO, "target", "site");
const PKG_DIR = path.join(SITE_ROOT, "pkg");
const OUT_DIR = process.env.BENCH_WEB_OUT || path.join(REPO, "target", "bench-web");
const CHROME_PATH = process.env.CHROME_PATH || "/usr/bin/chromium";
const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_WEB_RUNS || "1", 10) || 1);
const SIZES_ONLY = process.argv.includes("--sizes-only");
const MAX_ROWS = Math.max(0, Number.parseInt(process.env.BENCH_WEB_MAX_ROWS ?? "40", 10) || 0);

const PASSWORD = "demo1234";
const SESSION_COOKIE = "creditdesk_session"; // app/src/session.rs
const LOGIN_PATH = "/sfn/login"; // #[server(prefix = "/sfn", endpoint = "login")] in app/src/api/auth.rs
const CHROME_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const PAGES = [
  { name: "/login (signed out)", slug: "login", path: "/login", user: null },
  { name: "/ as chen.jie (executive)", slug: "cockpit-chen.jie", path: "/", user: "chen.jie" },
  { name: "/tasks as li.na (sales rep)", slug: "tasks-li.na", path: "/tasks", user: "li.na" },
  { name: "/approvals as zhou.min (credit manager)", slug: "approvals-zhou.min", path: "/approvals", user: "zhou.min" },
];

// Targets (printed, never asserted). KB = 1000 bytes.
const TARGET = { ttiMs: 3500, tbtMs: 200, lcpMs: 2000, cls: 0.05, initialBytes: 250_000, chunkBytes: 120_000 };

// ---------------------------------------------------------------------------------------
// Output helpers: progress goes to stderr, results to stdout and target/bench-web/summary.md.

const started = Date.now();
const summary = [];
const since = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s`;
const progress = (msg) => process.stderr.write(`[bench-web ${since()}] ${msg}\n`);
const out = (line = "") => {
  summary.push(line);
  process.stdout.write(line + "\n");
};
/** A path as the reader knows it: relative to the repository when inside it. */
const rel = (p) => {
  const r = path.relative(REPO, p);
  return r && !r.startsWith("..") && !path.isAbsolute(r) ? r : p;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Prints "still running" every 15 s while `promise` is pending. */
async function withHeartbeat(label, promise) {
  const t0 = Date.now();
  const timer = setInterval(() => progress(`  … ${label} still running (${((Date.now() - t0) / 1000).toFixed(0)}s)`), 15_000);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------------------------------
// Clean-up: the server and any Chromium are stopped however the script ends.

const cleanups = [];
let cleaningUp = null;
function cleanup() {
  cleaningUp ??= (async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (e) {
        progress(`clean-up: ${e.message}`);
      }
    }
  })();
  return cleaningUp;
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    progress(`${sig}: stopping`);
    cleanup().finally(() => process.exit(128 + os.constants.signals[sig]));
  });
}

// ---------------------------------------------------------------------------------------
// 0. Lighthouse, installed on demand from the lockfile next to this script.

function pinnedVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(HERE, "package.json"), "utf8")).dependencies[name];
}

function installedVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(HERE, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

function ensureTools() {
  const wanted = ["lighthouse", "chrome-launcher"];
  if (wanted.every((n) => installedVersion(n) === pinnedVersion(n))) return;
  progress(`installing ${wanted.map((n) => `${n}@${pinnedVersion(n)}`).join(", ")} into ${rel(HERE)}/node_modules (npm ci, once)`);
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: HERE,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: "1" }, // Lighthouse uses our Chromium
  });
  if (npm.status !== 0) throw new Error(`npm ci in ${HERE} failed (exit ${npm.status})`);
}

// ---------------------------------------------------------------------------------------
// 1. The server.

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function startServer() {
  for (const [what, p] of [["server binary", BIN], ["site root", SITE_ROOT]]) {
    if (!fs.existsSync(p)) throw new Error(`${what} not found: ${p} (build first: cargo leptos build --release)`);
  }
  const port = Number(process.env.BENCH_WEB_PORT) || (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), "creditdesk-bench-web-"));
  cleanups.push(() => fs.rmSync(dbDir, { recursive: true, force: true }));
  const logFile = path.join(OUT_DIR, "server.log");
  const log = fs.openSync(logFile, "w");
  const args = ["serve", "--bind", `127.0.0.1:${port}`, "--database-url", `sqlite://${dbDir}/bench.db`, "--master-key-file", `${dbDir}/master.key`, "--site-root", SITE_ROOT, "--seed-demo-if-empty"];
  progress(`starting ${rel(BIN)} ${args.join(" ")}`);
  const child = spawn(BIN, args, { cwd: REPO, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on("exit", (code, signal) => resolve((exited = { code, signal }))));
  child.on("error", (e) => (exited = { code: -1, signal: e.message }));
  cleanups.push(async () => {
    if (exited) return;
    progress("stopping the server");
    child.kill("SIGTERM");
    const done = await Promise.race([exitPromise, sleep(5000).then(() => null)]);
    if (!done) child.kill("SIGKILL");
  });
  process.on("exit", () => {
    // Last resort, if the process ends before the clean-ups ran.
    if (!exited) child.kill("SIGKILL");
    fs.rmSync(dbDir, { recursive: true, force: true });
  });

  const deadline = Date.now() + 180_000;
  let lastNote = Date.now();
  for (;;) {
    if (exited) throw new Error(`server exited early (${JSON.stringify(exited)}); log tail:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`no 200 from ${base}/healthz after 180 s; log tail:\n${tail(logFile)}`);
    if (Date.now() - lastNote > 5000) {
      progress("  waiting for /healthz (migrations + demo data) …");
      lastNote = Date.now();
    }
    await sleep(250);
  }
  progress(`server up at ${base} (log: ${rel(logFile)})`);
  return base;
}

// ---------------------------------------------------------------------------------------
// 2. Sessions.

async function signIn(base, username) {
  const res = await fetch(base + LOGIN_PATH, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/json",
      Origin: base, // origin_check in server/src/web.rs: same-origin POSTs only
    },
    body: new URLSearchParams({ "form[username]": username, "form[password]": PASSWORD }).toString(),
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`) && c.length > SESSION_COOKIE.length + 1);
  if (!cookie) {
    const body = (await res.text().catch(() => "")).slice(0, 300);
    throw new Error(`sign-in as ${username} gave no ${SESSION_COOKIE} cookie (HTTP ${res.status}): ${body}`);
  }
  // The cookie must open a page rather than bounce to /login.
  const check = await fetch(`${base}/`, { redirect: "manual", headers: { Cookie: cookie } });
  if (check.status !== 200) throw new Error(`session of ${username} does not open / (HTTP ${check.status} → ${check.headers.get("location")})`);
  await check.arrayBuffer();
  return cookie;
}

// ---------------------------------------------------------------------------------------
// 3. Lighthouse.

async function lighthouseRun(lighthouse, chromeLauncher, url, cookie) {
  const chrome = await chromeLauncher.launch({ chromePath: CHROME_PATH, chromeFlags: CHROME_FLAGS, logLevel: "silent", handleSIGINT: false });
  const kill = async () => {
    try {
      await chrome.kill();
    } catch {
      /* already gone */
    }
  };
  cleanups.push(kill);
  try {
    const flags = {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: ["performance"],
      ...(cookie ? { extraHeaders: { Cookie: cookie } } : {}),
    };
    // No config: Lighthouse's default, i.e. the mobile preset with simulated throttling.
    const result = await lighthouse(url, flags);
    if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
    return result;
  } finally {
    cleanups.splice(cleanups.indexOf(kill), 1);
    await kill();
  }
}

const AUDITS = {
  lcp: "largest-contentful-paint",
  tbt: "total-blocking-time",
  tti: "interactive",
  cls: "cumulative-layout-shift",
  bytes: "total-byte-weight",
};

function metricsOf(lhr) {
  const m = {};
  for (const [key, id] of Object.entries(AUDITS)) {
    const a = lhr.audits[id];
    m[key] = a && typeof a.numericValue === "number" ? a.numericValue : null;
  }
  return m;
}

const median = (xs) => {
  const v = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

const over = (value, limit) => (value !== null && value > limit ? " ✗" : "");
const fmt = {
  lcp: (v) => (v === null ? "n/a" : `${(v / 1000).toFixed(2)} s${over(v, TARGET.lcpMs)}`),
  tbt: (v) => (v === null ? "n/a" : `${Math.round(v)} ms${over(v, TARGET.tbtMs)}`),
  tti: (v) => (v === null ? "n/a" : `${(v / 1000).toFixed(2)} s${over(v, TARGET.ttiMs)}`),
  cls: (v) => (v === null ? "n/a" : `${v.toFixed(3)}${over(v, TARGET.cls)}`),
  bytes: (v) => (v === null ? "n/a" : `${Math.round(v / 1024)} KiB`),
};

async function loadTools() {
  if (!fs.existsSync(CHROME_PATH)) throw new Error(`Chromium not found at ${CHROME_PATH} (set CHROME_PATH)`);
  ensureTools();
  const { default: lighthouse } = await import("lighthouse");
  const chromeLauncher = await import("chrome-launcher");
  return { lighthouse, chromeLauncher };
}

async function benchPages(base, { lighthouse, chromeLauncher }) {
  const lhVersion = installedVersion("lighthouse");

  const cookies = {};
  for (const user of [...new Set(PAGES.map((p) => p.user).filter(Boolean))]) {
    progress(`signing in as ${user}`);
    cookies[user] = await signIn(base, user);
  }

  const rows = [];
  const notes = [];
  let ttiAbsent = false;
  let benchmarkIndex = null;
  for (const [i, page] of PAGES.entries()) {
    const runs = [];
    for (let r = 1; r <= RUNS; r++) {
      const label = `[${i + 1}/${PAGES.length}] ${page.name}${RUNS > 1 ? ` run ${r}/${RUNS}` : ""}`;
      progress(`${label}: Lighthouse …`);
      const t0 = Date.now();
      const { lhr, report } = await withHeartbeat(label, lighthouseRun(lighthouse, chromeLauncher, base + page.path, page.user && cookies[page.user]));
      const file = path.join(OUT_DIR, `${page.slug}${RUNS > 1 ? `-run${r}` : ""}.json`);
      fs.writeFileSync(file, Array.isArray(report) ? report[0] : report);
      const m = metricsOf(lhr);
      for (const id of Object.values(AUDITS)) {
        if (!(id in lhr.audits)) ttiAbsent ||= id === AUDITS.tti;
        else if (lhr.audits[id].errorMessage) notes.push(`${page.name}: ${id} failed: ${lhr.audits[id].errorMessage}`);
      }
      progress(`${label}: done in ${((Date.now() - t0) / 1000).toFixed(0)}s — LCP ${fmt.lcp(m.lcp)}, TBT ${fmt.tbt(m.tbt)}, TTI ${fmt.tti(m.tti)} → ${rel(file)}`);
      if (lhr.runtimeError) notes.push(`${page.name}: Lighthouse runtime error ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
      for (const w of lhr.runWarnings || []) notes.push(`${page.name}: ${w}`);
      const landed = new URL(lhr.finalDisplayedUrl || lhr.finalUrl || base + page.path).pathname;
      if (landed !== page.path) notes.push(`${page.name}: ended on ${landed}, not ${page.path} (signed out?)`);
      benchmarkIndex ??= lhr.environment?.benchmarkIndex ?? null;
      runs.push(m);
    }
    const merged = {};
    for (const key of Object.keys(AUDITS)) merged[key] = median(runs.map((m) => m[key]));
    rows.push({ page, m: merged });
  }

  out(`## Lighthouse ${lhVersion}, mobile preset (simulated throttling), performance only`);
  out();
  const chromeVersion = spawnSync(CHROME_PATH, ["--version"], { encoding: "utf8" }).stdout?.match(/[\d.]{6,}/)?.[0] ?? "?";
  out(`Chromium ${chromeVersion} at ${CHROME_PATH}; ${RUNS > 1 ? `median of ${RUNS} runs per page` : "one run per page"}` + (benchmarkIndex !== null ? `; host benchmarkIndex ${Math.round(benchmarkIndex)} (a busy or slow host inflates TBT/TTI)` : ""));
  out();
  out("| page | LCP | TBT | time to interactive | CLS | bytes |");
  out("|---|---:|---:|---:|---:|---:|");
  for (const { page, m } of rows) out(`| ${page.name} | ${fmt.lcp(m.lcp)} | ${fmt.tbt(m.tbt)} | ${fmt.tti(m.tti)} | ${fmt.cls(m.cls)} | ${fmt.bytes(m.bytes)} |`);
  out();
  out(`Targets: TTI ≤ ${(TARGET.ttiMs / 1000).toFixed(1)} s, TBT ≤ ${TARGET.tbtMs} ms, LCP ≤ ${(TARGET.lcpMs / 1000).toFixed(1)} s, CLS ≤ ${TARGET.cls} (✗ = over target). bytes = total-byte-weight (transferred), KiB.`);
  if (ttiAbsent) out(`Note: the "${AUDITS.tti}" audit is absent in Lighthouse ${lhVersion}; time to interactive shows n/a.`);
  for (const n of notes) out(`Note: ${n}`);
  out();
}

// ---------------------------------------------------------------------------------------
// 5. Brotli sizes of the client.

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

function brotliSize(file) {
  const br = `${file}.br`;
  if (fs.existsSync(br)) return { size: fs.statSync(br).size, computed: false };
  const data = fs.readFileSync(file);
  const packed = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      [zlib.constants.BROTLI_PARAM_MODE]: file.endsWith(".js") ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
    },
  });
  return { size: packed.length, computed: true };
}

const kb = (n) => (n < 1000 ? `${n} B` : `${(n / 1000).toFixed(1)} KB`);

function printSizes() {
  if (!fs.existsSync(PKG_DIR)) {
    out(`## Client size: ${PKG_DIR} not found (build first)`);
    return;
  }
  const paths = walk(PKG_DIR).filter((f) => /\.(wasm|js)$/.test(f));
  const toCompress = paths.filter((f) => !fs.existsSync(`${f}.br`)).length;
  progress(
    `measuring brotli sizes of ${paths.length} files in ${rel(PKG_DIR)}/` +
      (toCompress ? ` (${toCompress} without a .br sibling: compressing them at quality 11, about 1 s per MB)` : ""),
  );
  let lastNote = Date.now();
  const files = paths
    .map((f, i) => {
      const name = path.relative(PKG_DIR, f);
      const base = path.basename(f);
      const topLevel = !name.includes(path.sep);
      // Initial: the main module (creditdesk*.wasm), its JS (creditdesk*.js) and the split
      // loader (__wasm_split*.js). Any other .js (wasm-bindgen's snippets/) is imported
      // statically by the main JS at start-up, so it counts as initial too. Every other
      // .wasm is a lazy chunk.
      const main = topLevel && (/^creditdesk.*\.wasm$/.test(base) || /^creditdesk.*\.js$/.test(base) || /^__wasm_split.*\.js$/.test(base));
      const group = main || base.endsWith(".js") ? "initial" : "lazy";
      const entry = { name, group, raw: fs.statSync(f).size, ...brotliSize(f) };
      if (Date.now() - lastNote > 5000) {
        progress(`  … ${i + 1}/${paths.length} files measured`);
        lastNote = Date.now();
      }
      return entry;
    })
    .sort((a, b) => b.size - a.size || a.name.localeCompare(b.name));

  out("## Client size (brotli)");
  out();
  out("| group | file | brotli | raw |");
  out("|---|---|---:|---:|");
  const sum = (list, key) => list.reduce((s, f) => s + f[key], 0);
  const row = (f, label, flag) => out(`| ${label} | ${f.name}${f.computed ? " (computed)" : ""} | ${kb(f.size)}${flag} | ${kb(f.raw)} |`);
  const initial = files.filter((f) => f.group === "initial");
  const lazy = files.filter((f) => f.group === "lazy");
  for (const f of initial) row(f, "initial", "");
  const initialFlag = sum(initial, "size") > TARGET.initialBytes ? " ✗" : "";
  out(`| **initial total** | ${initial.length} files | **${kb(sum(initial, "size"))}**${initialFlag} | **${kb(sum(initial, "raw"))}** |`);
  // Every chunk over budget is listed; beyond MAX_ROWS, the smaller ones are summed up.
  const listed = lazy.filter((f, i) => MAX_ROWS === 0 || i < MAX_ROWS || f.size > TARGET.chunkBytes);
  for (const f of listed) row(f, "lazy chunk", f.size > TARGET.chunkBytes ? " ✗" : "");
  const rest = lazy.slice(listed.length);
  if (rest.length) out(`| lazy chunk | … ${rest.length} smaller chunks (BENCH_WEB_MAX_ROWS=0 lists all) | ${kb(sum(rest, "size"))} | ${kb(sum(rest, "raw"))} |`);
  out(`| **lazy chunks total** | ${lazy.length} files | **${kb(sum(lazy, "size"))}** | **${kb(sum(lazy, "raw"))}** |`);
  const overBudget = lazy.filter((f) => f.size > TARGET.chunkBytes).length;
  out();
  out(
    `Targets: initial ≤ ${kb(TARGET.initialBytes)} (now ${kb(sum(initial, "size"))}), each lazy chunk ≤ ${kb(TARGET.chunkBytes)}` +
      (lazy.length ? ` (largest ${lazy[0].name}: ${kb(lazy[0].size)}; ${overBudget} over)` : " (no lazy chunks)") +
      ". KB = 1000 bytes; (computed) = no .br sibling, compressed here at quality 11; ✗ = over target.",
  );
  out();
}

// ---------------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  out(`# bench-web — ${new Date().toISOString()}`);
  out();
  if (!SIZES_ONLY) {
    const tools = await loadTools(); // before the server: fail fast without Chromium
    // Reports of an earlier run (perhaps with another BENCH_WEB_RUNS) would mix in.
    for (const f of fs.readdirSync(OUT_DIR)) if (f.endsWith(".json")) fs.rmSync(path.join(OUT_DIR, f));
    const base = await startServer();
    await benchPages(base, tools);
    await cleanup();
  }
  printSizes();
  const file = path.join(OUT_DIR, "summary.md");
  fs.writeFileSync(file, summary.join("\n") + "\n");
  progress(`done; reports and summary in ${rel(OUT_DIR)}/`);
}

try {
  await main();
} catch (e) {
  process.stderr.write(`\nbench-web failed: ${e.stack || e.message}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
