import { MediaType } from "../fixtures/images";
import { E2E } from "./accounts";
import { expect, test } from "./fixtures";
import { expectAccessible, screenshot, watchServerErrors, watchTagPageCursors } from "./helpers";

test.describe.configure({ mode: "serial" });

test("repositories page lists the registry, searches, and keeps the search in the URL", async ({ page }) => {
  const errors = watchServerErrors(page);
  await page.goto("/repositories");
  await expect(page.getByRole("link", { name: "platform/api", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "charts/ingress", exact: true })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "repositories");

  await page.getByLabel("Search repositories").fill("platform");
  await expect(page).toHaveURL(/q=platform/);
  await expect(page.getByRole("link", { name: "charts/ingress", exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "platform/web", exact: true })).toBeVisible();

  await page.reload();
  await expect(page.getByLabel("Search repositories")).toHaveValue("platform");
  await expect(page.getByRole("link", { name: "charts/ingress", exact: true })).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("dark mode is accessible too", async ({ page }) => {
  await page.goto("/repositories");
  await page.getByRole("button", { name: "Dark theme" }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await expectAccessible(page);
  await screenshot(page, "repositories-dark");
  await page.getByRole("button", { name: "Light theme" }).click();
  await expect(page.locator("html")).not.toHaveClass(/dark/);
});

test("open a repository, sort its tags by created, open the newest tag", async ({ page, request }) => {
  const errors = watchServerErrors(page);
  await page.goto("/repositories");
  await page.getByRole("link", { name: "platform/api", exact: true }).click();
  await expect(page).toHaveURL(/\/repositories\/platform\/api$/);
  const table = page.getByRole("table", { name: "Tags of platform/api" });
  await expect(table).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "repository-tags");

  await page.getByLabel("Sort by").selectOption("created");
  await expect(page).toHaveURL(/sort=created/);
  const api = await request.get("/api/v1/repositories/platform/api/tags?sort=created&order=desc&limit=1");
  const newest = ((await api.json()) as { items: { name: string; digest: string }[] }).items[0];
  expect(newest).toBeDefined();
  if (!newest) return;
  const firstRow = table.getByRole("row").nth(1);
  await expect(firstRow).toContainText(newest.name);

  await firstRow.click();
  await expect(page).toHaveURL(new RegExp(`/repositories/platform/api/manifests/${newest.name.replace(/\./g, "\\.")}$`));
  await expect(page.getByText(newest.digest).first()).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "manifest");

  // deep links survive a reload
  await page.reload();
  await expect(page.getByText(newest.digest).first()).toBeVisible();
  expect(errors).toEqual([]);
});

test("a tag row copies its digest, says so to screen readers, and shows its shared-digest note on focus", async ({ page, context }) => {
  const errors = watchServerErrors(page);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("/repositories/e2e/many-tags?sort=name&order=asc");
  const row = page.getByRole("table", { name: "Tags of e2e/many-tags" }).getByRole("row").nth(1);
  await expect(row).toContainText("build-0000");

  // the rows' copy buttons share the page's one live region
  await row.getByRole("button", { name: "Copy digest of build-0000" }).click();
  await expect(page.getByTestId("announcer")).toHaveText("Copied");
  const digest = await row.locator("code").getAttribute("title");
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(digest);

  // the note on a shared digest is not displayed until its badge is focused, and describes the badge all along
  const badge = row.getByRole("button", { name: /^build-0000 shares its digest with \d+ other tags$/ });
  const note = row.getByRole("tooltip");
  await expect(note).toBeHidden();
  await expect(badge).toHaveAccessibleDescription(/^Same digest as: .*Deleting by digest removes these too\.$/);
  await badge.focus();
  await expect(note).toBeVisible();
  await expect(note).toContainText("Deleting by digest removes these too.");
  expect(errors).toEqual([]);
});

test("a long tag list loads as the user scrolls, not all at once", async ({ page }) => {
  const errors = watchServerErrors(page);
  // 1,200 tags: the server renders the first page (50), the next pages (1,000) load as the user scrolls
  const cursors = watchTagPageCursors(page, "e2e/many-tags");
  await page.goto("/repositories/e2e/many-tags?sort=name&order=asc");
  const table = page.getByRole("table", { name: "Tags of e2e/many-tags" });
  await expect(table.getByRole("row").nth(1)).toContainText("build-0000");
  await expect(page.getByText("50 of 1,200 tags loaded; scroll for more")).toBeVisible();
  expect(cursors).toEqual([]);

  // the table scrolls under the wheel (its box clips, without scrolling, only until its first paint)
  const scroller = page.locator("div.overflow-auto", { has: table });
  await expect(async () => {
    await table.hover();
    await page.mouse.wheel(0, 440);
    expect(await scroller.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  }).toPass({ timeout: 10_000 });

  // scrolling to the end of what is loaded fetches the rest
  const last = table.getByRole("link", { name: "build-1199", exact: true });
  await expect(async () => {
    await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect(last).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByText(/tags loaded/)).toHaveCount(0);
  expect(new Set(cursors).size).toBe(2);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test("an open tags page shows a pushed tag without a reload, and asks for its pages only when something changed", async ({ page }) => {
  const errors = watchServerErrors(page);
  // tag-list requests: the version probe (limit=1) every few seconds, pages only when they changed
  const requests: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.pathname === "/api/v1/repositories/e2e/live/tags") requests.push(url.searchParams.get("limit") ?? "");
  });
  await page.goto("/repositories/e2e/live");
  const table = page.getByRole("table", { name: "Tags of e2e/live" });
  await expect(table.getByRole("link", { name: "v1", exact: true })).toBeVisible();
  await expect.poll(() => requests.filter((l) => l === "1").length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  expect(requests.filter((l) => l !== "1")).toEqual([]);

  // pushed to the registry, and notified the way the registry does (a webhook envelope)
  const registry = process.env.E2E_REGISTRY_URL ?? "";
  const manifest = await fetch(`${registry}/v2/e2e/live/manifests/v1`, {
    headers: { accept: `${MediaType.ociManifest}, ${MediaType.dockerManifest}` },
  });
  const mediaType = manifest.headers.get("content-type") ?? "";
  const body = Buffer.from(await manifest.arrayBuffer());
  const digest = manifest.headers.get("docker-content-digest") ?? "";
  const put = await fetch(`${registry}/v2/e2e/live/manifests/v2`, {
    method: "PUT",
    headers: { "content-type": mediaType },
    body,
  });
  expect(put.status).toBe(201);
  const notified = await page.request.post("/api/v1/webhooks/registry", {
    headers: {
      authorization: `Bearer ${E2E.secrets.LAYERSCOPE_WEBHOOK_SECRET}`,
      "content-type": "application/vnd.docker.distribution.events.v1+json",
    },
    data: {
      events: [
        {
          id: `e2e-live-${Date.now()}`,
          timestamp: new Date().toISOString(),
          action: "push",
          target: { repository: "e2e/live", tag: "v2", digest, mediaType, size: body.length },
          request: { useragent: "docker/27.0" },
        },
      ],
    },
  });
  expect(notified.status()).toBe(202);
  await expect(table.getByRole("link", { name: "v2", exact: true })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText("2 tags", { exact: true }).first()).toBeVisible();
  // the pages were asked for again because they changed, once
  expect(requests.filter((l) => l !== "1")).toHaveLength(1);
  expect(errors).toEqual([]);
});

test("the header's links are prefetched when reached for, not with every page", async ({ page }) => {
  const errors = watchServerErrors(page);
  const header = ["/", "/repositories", "/retention", "/gc", "/storage", "/audit"];
  // Next asks for a page's server components with ?_rsc=, prefetches included
  const rsc: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.searchParams.has("_rsc")) rsc.push(url.pathname);
  });
  await page.goto("/repositories/e2e/live");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.waitForLoadState("networkidle");
  expect(rsc.filter((p) => header.includes(p))).toEqual([]);

  const audit = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" });
  await audit.hover();
  await expect.poll(() => rsc).toContain("/audit");
  await audit.click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(page).toHaveURL(/\/audit$/);
  expect(errors).toEqual([]);
});

test("the compare pickers suggest tags the server filtered, never the whole list", async ({ page }) => {
  const errors = watchServerErrors(page);
  const cursors = watchTagPageCursors(page, "e2e/many-tags");
  await page.goto("/repositories/e2e/many-tags/compare");
  const from = page.getByLabel("From", { exact: true });
  // typing asks the server for tags containing the text: build-1190 … build-1199
  await from.fill("build-119");
  const suggestions = page.getByTestId("from-suggestions").locator("option");
  await expect(suggestions).toHaveCount(10);
  await expect(suggestions.first()).toHaveAttribute("value", "build-1190");
  await expect(page).not.toHaveURL(/from=/);
  // Enter takes what is typed
  await from.fill("build-1199");
  await from.press("Enter");
  await expect(page).toHaveURL(/from=build-1199/);
  await expect(from).toHaveValue("build-1199");
  expect(cursors).toEqual([]);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});
