import { defineConfig } from "@playwright/test";
import { E2E } from "./tests/e2e/accounts";

// One app + one seeded registry for the whole run (tests/e2e/global-setup.ts), driven by
// Debian's Chromium: Playwright's own browser download does not work offline.
const port = Number(process.env.E2E_PORT ?? 3107);

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  globalSetup: "./tests/e2e/global-setup.ts",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    // signed in as the admin unless a spec says otherwise (written by global-setup)
    storageState: E2E.adminState,
    viewport: { width: 1400, height: 900 },
    trace: "retain-on-failure",
    // No colour transitions half-way through when axe measures contrast (see app/globals.css).
    contextOptions: { reducedMotion: "reduce" },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--disable-quic",
      ],
    },
  },
});
