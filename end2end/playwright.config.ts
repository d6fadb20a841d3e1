import { defineConfig, devices } from "@playwright/test";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Debian's Chromium (Playwright cannot download its own browser here). Override with
// CHROMIUM_PATH; without either, Playwright's bundled browser is used (a laptop).
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);
const launchOptions = {
  executablePath,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// The server's database and the admin API key it mints (start-server.sh); the workers
// inherit the variable, so tests find the key (helpers.ts adminKey).
process.env.E2E_STATE_DIR ??= join(tmpdir(), `creditdesk-e2e-${port}`);

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: { baseURL, locale: "zh-CN", timezoneId: "Asia/Shanghai", trace: "retain-on-failure", launchOptions },
  webServer: {
    command: `bash ./start-server.sh ${port}`,
    url: `${baseURL}/healthz`,
    timeout: 180_000,
    reuseExistingServer: false,
    env: { E2E_STATE_DIR: process.env.E2E_STATE_DIR },
    stdout: "pipe",
    stderr: "pipe",
  },
  projects: [
    { name: "desktop", testMatch: /(app|account|admin|pii|groups|bills|ledger|cockpit|reports|approvals|scoring|rules|collections|routes)\.spec\.ts/, use: { ...devices["Desktop Chrome"], viewport: { width: 1366, height: 860 }, launchOptions } },
    {
      name: "phone",
      testMatch: /(app|account|admin|pii|groups|bills|phone|ledger|cockpit|reports|approvals|scoring|rules|collections|routes)\.spec\.ts/,
      use: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, launchOptions },
    },
    { name: "ssr", testMatch: /(ssr|collections)\.spec\.ts/, use: { ...devices["Desktop Chrome"], javaScriptEnabled: false, launchOptions } },
  ],
});
