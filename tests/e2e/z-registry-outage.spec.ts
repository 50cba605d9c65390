// Runs last (files run in name order with one worker): it stops the registry for good.
import { existsSync, readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { screenshot, watchServerErrors } from "./helpers";

test("with the registry stopped, pages and API serve the cache with a banner and health says so", async ({ page, request }) => {
  // the GC spec restarted the registry as a new process; its pid is in the file
  const pidFile = process.env.E2E_REGISTRY_PIDFILE;
  const pid = Number(pidFile && existsSync(pidFile) ? readFileSync(pidFile, "utf8").trim() : process.env.E2E_REGISTRY_PID);
  expect(pid).toBeGreaterThan(0);
  process.kill(pid, "SIGTERM");

  await expect
    .poll(async () => ((await (await request.get("/api/v1/health")).json()) as { registry: string }).registry, { timeout: 30_000 })
    .toBe("down");
  const health = await request.get("/api/v1/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: "degraded", database: "up", registry: "down" });

  const errors = watchServerErrors(page);
  await page.goto("/repositories");
  const banner = page.getByRole("alert").filter({ hasText: "Registry unreachable" });
  await expect(banner).toContainText("showing data from");
  await expect(page.getByRole("link", { name: "platform/api", exact: true })).toBeVisible();

  await screenshot(page, "registry-unreachable");

  await page.goto("/repositories/platform/api");
  await expect(page.getByRole("table", { name: "Tags of platform/api" })).toBeVisible();
  await expect(banner).toBeVisible();

  const tags = await request.get("/api/v1/repositories/platform/api/tags");
  expect(tags.status()).toBe(200);
  const sync = await request.get("/api/v1/sync");
  expect(sync.status()).toBe(200);
  // something only the registry could answer: a clear 503, never a 500
  const uncached = await request.get("/api/v1/repositories/platform/api/manifests/not-a-cached-tag");
  expect(uncached.status()).toBe(503);
  expect(await uncached.json()).toMatchObject({ error: { code: "registry_unreachable" } });
  expect(errors).toEqual([]);
});
