// The operator's pages: "Registry and configuration" (admins) and the API reference (Swagger UI bundled from npm,
// under the page's CSP, nothing fetched from another host).
import { E2E } from "./accounts";
import { expect, test } from "./fixtures";
import { expectAccessible, watchServerErrors } from "./helpers";

test.describe("as an admin", () => {
  test.use({ storageState: E2E.adminState });

  test("Registry and configuration shows the settings with secrets masked, what the registry supports, and tests the connection", async ({
    page,
  }) => {
    const errors = watchServerErrors(page);
    await page.goto("/settings/registry");
    await expect(page.getByRole("heading", { name: "Registry and configuration" })).toBeVisible();
    const checks = page.getByRole("table", { name: "Registry capabilities" });
    await expect(checks.getByRole("row", { name: /Registry reachable/ })).toContainText("OK");
    await expect(checks.getByRole("row", { name: /Deletes enabled/ })).toBeVisible();
    await expect(checks.getByRole("row", { name: /Referrers API/ })).toBeVisible();
    await expect(checks.getByRole("row", { name: /Catalog page limit/ })).toBeVisible();
    const settings = page.getByRole("table", { name: "Settings" });
    await expect(settings.getByRole("row", { name: /REGISTRY_PASSWORD/ })).toContainText("(set)");
    await expect(settings.getByRole("row", { name: /REGISTRY_USERNAME/ })).toContainText(E2E.secrets.REGISTRY_USERNAME);
    const html = await page.content();
    for (const [name, value] of Object.entries(E2E.secrets)) {
      if (name !== "REGISTRY_USERNAME") expect(html, name).not.toContain(value);
    }
    await expectAccessible(page);

    const tested = page.waitForResponse((r) => r.url().endsWith("/api/v1/settings/registry/test"));
    await page.getByRole("button", { name: "Test connection" }).click();
    expect((await tested).status()).toBe(200);
    await expect(page.getByRole("button", { name: "Test connection" })).toBeEnabled();
    await expect(checks.getByRole("row", { name: /Registry reachable/ })).toContainText("OK");
    await expectAccessible(page);
    expect(errors).toEqual([]);
  });

  test("the API page renders the OpenAPI document with the bundled Swagger UI, nothing from a CDN, no CSP violation", async ({ page }) => {
    const foreign: string[] = [];
    const violations: string[] = [];
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (!["127.0.0.1", "localhost"].includes(url.hostname) && url.protocol !== "data:") foreign.push(r.url());
    });
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.goto("/api-docs");
    await expect(page.getByRole("heading", { name: "API", exact: true })).toBeVisible();
    await expect(page.getByText("/api/v1/repositories", { exact: true }).first()).toBeVisible({ timeout: 20_000 });
    await expect(page.getByText("/api/v1/openapi.json", { exact: true }).first()).toBeVisible();
    expect(foreign).toEqual([]);
    expect(violations).toEqual([]);
    await expectAccessible(page);
  });
});

test.describe("as a viewer", () => {
  test.use({ storageState: E2E.viewerState });

  test("Registry and configuration is for admins only", async ({ page }) => {
    await page.goto("/settings/registry");
    await expect(page.getByRole("heading", { name: "You need the admin role" })).toBeVisible();
    await expect(page.getByRole("table", { name: "Settings" })).toHaveCount(0);
    const res = await page.request.post("/api/v1/settings/registry/test", { headers: { origin: new URL(page.url()).origin } });
    expect(res.status()).toBe(403);
    await expectAccessible(page);
  });
});
