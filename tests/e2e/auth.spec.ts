// Signing in and out, what each role sees, and the admin's users page — in Debian's Chromium.

import { E2E } from "./accounts";
import { expect, test, waitForHydration } from "./fixtures";
import { expectAccessible, screenshot, watchServerErrors } from "./helpers";

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("a deep link asks to sign in, refuses a wrong password, then lands where it pointed", async ({ page }) => {
    const errors = watchServerErrors(page);
    await page.goto("/repositories/platform/api?sort=created");
    await expect(page).toHaveURL(/\/login\?callbackUrl=/);
    await expect(page.getByRole("heading", { name: "Sign in to Layerscope" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
    await expectAccessible(page);

    await page.getByLabel("User name").fill(E2E.admin.username);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Wrong user name or password" })).toBeVisible();
    await expect(page).toHaveURL(/\/login/);
    await screenshot(page, "login");

    await page.getByLabel("Password").fill(E2E.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/repositories\/platform\/api\?sort=created$/);
    await expect(page.getByRole("table", { name: "Tags of platform/api" })).toBeVisible();

    // signing out ends the session: the same deep link asks to sign in again
    await page.getByRole("button", { name: /Account menu/ }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/repositories/platform/api");
    await expect(page).toHaveURL(/\/login\?callbackUrl=/);
    expect(errors).toEqual([]);
  });

  test("a callback URL to another site is ignored", async ({ page }) => {
    await page.goto("/login?callbackUrl=https://evil.example/x");
    await page.getByLabel("User name").fill(E2E.viewer.username);
    await page.getByLabel("Password").fill(E2E.viewer.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/$/);
  });
});

test.describe("as a viewer", () => {
  test.use({ storageState: E2E.viewerState });

  test("sees no controls a viewer cannot use, and the API answers 403 to them", async ({ page }) => {
    await page.goto("/repositories");
    await expect(page.getByRole("link", { name: "platform/api", exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Sync now" })).toHaveCount(0);
    await page.getByRole("button", { name: /Account menu/ }).click();
    await expect(page.getByRole("link", { name: "Profile" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);

    // straight to the API with the browser's own session, as a script in the page would
    const sync = await page.request.post("/api/v1/sync", { headers: { origin: new URL(page.url()).origin } });
    expect(sync.status()).toBe(403);
    expect(await sync.json()).toMatchObject({ error: { code: "forbidden" } });
    expect((await page.request.get("/api/v1/users")).status()).toBe(403);
    expect((await page.request.get("/api/v1/me")).status()).toBe(200);

    await page.goto("/settings/users");
    await expect(page.getByRole("heading", { name: "You need the admin role" })).toBeVisible();
    await expectAccessible(page);
  });
});

test.describe("as an admin", () => {
  test("manages users: create, change role, disable — and the new user can sign in until disabled", async ({ page, browser }) => {
    const errors = watchServerErrors(page);
    await expect(page.getByRole("button", { name: "Sync now" })).toHaveCount(0); // nothing loaded yet
    await page.goto("/settings/users");
    await expect(page.getByRole("heading", { name: "Users", exact: true })).toBeVisible();
    const table = page.getByRole("table", { name: "Users" });
    await expect(table.getByRole("row", { name: /viewer/ })).toBeVisible();

    const form = page.getByRole("form", { name: "Create a user" });
    await form.getByLabel("User name").fill("dana");
    await form.getByLabel("Password").fill("dana password 1");
    await form.getByLabel("Role").selectOption("editor");
    await form.getByRole("button", { name: "Create user" }).click();
    const row = table.getByRole("row", { name: /dana/ });
    await expect(row).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, "users");

    const saved = page.waitForResponse((r) => r.url().includes("/api/v1/users/") && r.request().method() === "PATCH");
    await row.getByLabel(/Role of/).selectOption("viewer");
    expect((await saved).status()).toBe(200);
    await expect(row.getByLabel(/Role of/)).toHaveValue("viewer");
    const me = await page.request.get("/api/v1/me", {
      headers: { authorization: `Basic ${Buffer.from("dana:dana password 1").toString("base64")}` },
    });
    expect(await me.json()).toMatchObject({ user: { username: "dana" }, role: "viewer" });

    await row.getByRole("button", { name: /^Disable/ }).click();
    await expect(row.getByText("Disabled")).toBeVisible();
    const fresh = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const p2 = await fresh.newPage();
    await p2.goto("/login");
    await waitForHydration(p2);
    await p2.getByLabel("User name").fill("dana");
    await p2.getByLabel("Password").fill("dana password 1");
    await p2.getByRole("button", { name: "Sign in" }).click();
    await expect(p2.getByRole("alert").filter({ hasText: "Wrong user name or password" })).toBeVisible();
    await fresh.close();

    // the sign-ins above are in the audit log the page shows
    await page.reload();
    await expect(page.getByRole("region", { name: "Recent sign-ins" })).toContainText("dana");
    expect(errors).toEqual([]);
  });

  test("creates an API token that works once shown, and stops working when revoked", async ({ page }) => {
    await page.goto("/settings/profile");
    await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
    const form = page.getByRole("form", { name: "Create an API token" });
    await form.getByLabel("Token name").fill("ci");
    await form.getByRole("button", { name: "Create token" }).click();
    const secret = page.getByLabel("New API token");
    await expect(secret).toHaveValue(/^lsc_/);
    const token = await secret.inputValue();
    await expectAccessible(page);
    await screenshot(page, "profile-tokens");

    const asToken = { headers: { authorization: `Bearer ${token}` } };
    expect((await page.request.get("/api/v1/repositories", asToken)).status()).toBe(200);

    await page.getByRole("button", { name: "Revoke token ci" }).click();
    await page.getByRole("button", { name: "Yes, revoke token ci" }).click();
    await expect(page.getByRole("button", { name: "Revoke token ci" })).toHaveCount(0);
    expect((await page.request.get("/api/v1/repositories", asToken)).status()).toBe(401);
  });
});
