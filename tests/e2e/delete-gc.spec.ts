// Delete with a preview that names the sibling tag (registry 2.x deletes by digest), then garbage collection:
// a dry run, a real run with its progress, and what the storage view and audit log say afterwards.
import { expect, test } from "./fixtures";
import { expectAccessible, screenshot, watchServerErrors } from "./helpers";

test("delete a tag: the preview lists its sibling, the user confirms, both go", async ({ page }) => {
  const errors = watchServerErrors(page);
  await page.goto("/repositories/e2e/delete-me");
  const table = page.getByRole("table", { name: "Tags of e2e/delete-me" });
  await expect(table).toBeVisible();
  await table.getByRole("checkbox", { name: "Select a", exact: true }).check();
  await page.getByRole("button", { name: "Delete selected (1)…" }).click();

  const dialog = page.getByRole("dialog", { name: /Delete 1 selected tag/ });
  await expect(dialog.getByTestId("tags-removed")).toHaveText(/e2e\/delete-me:a\s*e2e\/delete-me:b/);
  await expect(dialog.getByRole("alert").first()).toContainText("deletes by digest only");
  await expect(dialog.getByTestId("bytes-freed")).not.toHaveText("0 B");
  const confirm = dialog.getByRole("button", { name: "Delete 2 tags" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type a to confirm/).fill("a");
  await expectAccessible(page);
  await screenshot(page, "delete-preview");
  await confirm.click();
  await expect(dialog.getByRole("status")).toContainText("Deleted 2 tags");
  await dialog.getByRole("button", { name: "Close" }).click();

  await expect(table.getByRole("link", { name: "c", exact: true })).toBeVisible();
  await expect(table.getByRole("link", { name: "a", exact: true })).toHaveCount(0);
  await expect(table.getByRole("link", { name: "b", exact: true })).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("garbage collection: dry run first, then a real run with progress; storage and audit pages", async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchServerErrors(page);
  await page.goto("/gc");
  await expect(page.getByRole("heading", { name: "Garbage collection", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "Run garbage collection…" })).toBeDisabled();
  await page.getByRole("button", { name: "Start dry run" }).click();
  await expect(page).toHaveURL(/run=\d+/);
  const run = page.getByRole("region", { name: /Run \d+/ });
  await expect(run).toContainText("succeeded", { timeout: 60_000 });
  await expect(run.getByTestId("gc-progress")).toContainText("Blobs eligible");
  await expect(run.getByRole("log", { name: "Garbage collection log" })).toContainText("eligible for deletion");
  // the blobs of the image deleted above, listed with their kind and the repository that last referenced them
  const eligible = run.getByTestId("gc-eligible");
  await expect(eligible).toContainText("layer");
  await expect(eligible).toContainText("e2e/delete-me");

  await page.getByRole("button", { name: "Run garbage collection…" }).click();
  await page.getByRole("button", { name: "Start garbage collection" }).click();
  const real = page.getByRole("region", { name: /Run \d+ +succeeded|Run \d+ +(queued|running)/ });
  await expect(real).toBeVisible();
  await expect(page.getByRole("region", { name: /Run \d+/ })).toContainText("Phase: done", { timeout: 120_000 });
  await expect(page.getByRole("region", { name: /Run \d+/ })).toContainText("succeeded");
  // the overview follows the run panel: once it has the finished run, another run may be started
  await expect(page.getByRole("button", { name: "Run garbage collection…" })).toBeEnabled();
  await expectAccessible(page);
  await screenshot(page, "gc-run");

  await page.goto("/storage");
  await expect(page.getByRole("heading", { name: "Storage", level: 1 })).toBeVisible();
  // the GC queued a background scan; the page shows it running, then its result with its time
  await expect(page.getByRole("table", { name: /Repositories in the storage root/ })).toContainText("e2e/delete-me", { timeout: 60_000 });
  await expect(page.getByText(/scanned .* in \d+ ms/)).toBeVisible();
  // find the manifest the remaining tag points at, on disk; the lookup is a deep link
  const tags = (await (await page.request.get("/api/v1/repositories/e2e/delete-me/tags")).json()) as {
    items: { name: string; digest: string }[];
  };
  const digest = tags.items.find((t) => t.name === "c")?.digest ?? "";
  const hex = digest.replace("sha256:", "");
  await page.getByLabel("Digest", { exact: true }).fill("sha256:nothex");
  await page.getByRole("button", { name: "Find", exact: true }).click();
  await expect(page.getByText("A digest such as sha256:")).toBeVisible();
  await page.getByLabel("Digest", { exact: true }).fill(digest);
  await page.getByLabel("Repository (optional)").fill("e2e/delete-me");
  await page.getByRole("button", { name: "Find", exact: true }).click();
  await expect(page).toHaveURL(/digest=sha256%3A[0-9a-f]{64}&repository=e2e%2Fdelete-me/);
  const found = page.getByTestId("storage-location");
  await expect(found).toContainText(`docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`);
  await expect(found).toContainText(`repositories/e2e/delete-me/_manifests/revisions/sha256/${hex}/link`);
  await expect(found).toContainText("Tag c");
  await page.reload();
  await expect(page.getByTestId("storage-location")).toContainText("Tag c");
  await expect(page.getByLabel("Digest", { exact: true })).toHaveValue(digest);
  await expectAccessible(page);
  await screenshot(page, "storage");

  await page.goto("/audit?action=delete");
  await expect(page.getByRole("table", { name: /Audit entries/ })).toContainText("delete.manifests");
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test("retention: preview a policy before saving it", async ({ page }) => {
  const errors = watchServerErrors(page);
  await page.goto("/retention");
  await page.getByLabel("Repositories").fill("platform/*");
  await page.getByLabel("Keep newest N").fill("1");
  await page.getByRole("button", { name: "Preview" }).click();
  const preview = page.getByTestId("retention-preview");
  await expect(preview).toContainText("Would delete");
  await expect(preview).toContainText("platform/api");
  await expect(preview.getByText("keep", { exact: true }).first()).toBeVisible();
  await expect(preview.getByText("delete", { exact: true }).first()).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "retention-preview");
  expect(errors).toEqual([]);
});
