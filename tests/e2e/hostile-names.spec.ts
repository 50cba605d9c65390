// Hostile file names show as the archive stores them: "../../escape.txt" is not an ordinary top-level
// file, a newline in a name is shown as \n, and the findings list each escape with its layer.
import { expect, test } from "./fixtures";
import { expectAccessible, watchServerErrors } from "./helpers";

test("an image with tar-slip names shows them as stored and reports the escape", async ({ page }) => {
  const errors = watchServerErrors(page);
  await page.goto("/repositories/e2e/hostile/manifests/1.0");
  const section = page.getByRole("region", { name: "Layers and files" });
  const merged = section.getByRole("table", { name: "Files of the merged file system" });
  await expect(merged).toBeVisible({ timeout: 60_000 });

  await expect(merged.getByText("../../escape.txt", { exact: true })).toBeVisible();
  await expect(merged.getByText("/escape-abs.txt", { exact: true })).toBeVisible();
  await expect(merged.getByText("tricky/../../../escape-mid.txt", { exact: true })).toBeVisible();
  await expect(merged.getByText("escapes root")).toHaveCount(3);
  // a newline is escaped, so the two names differ on screen
  await expect(merged.getByText("new\\nline.txt", { exact: true })).toBeVisible();
  await expect(merged.getByText("new line.txt", { exact: true })).toBeVisible();

  const findings = page.getByRole("region", { name: "Findings", exact: true });
  await expect(findings.getByText("Path escapes the image root")).toBeVisible({ timeout: 30_000 });
  await expect(findings.getByText("../../escape.txt (layer 1, indexed as /escape.txt)", { exact: true })).toBeVisible();
  await expectAccessible(page);
  expect(errors).toEqual([]);
});
