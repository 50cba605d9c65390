// Inspect what an image's layers put on disk: indexing with progress, the merged tree, a layer's
// changes, the filter, and the treemap's click-through — against the real registry's blobs.
import { expect, test } from "./fixtures";
import { expectAccessible, screenshot, watchServerErrors } from "./helpers";

test("open an image, index its layers, browse the merged tree and a layer, open the treemap", async ({ page, request }) => {
  const errors = watchServerErrors(page);
  const tags = await request.get("/api/v1/repositories/platform/api/tags?sort=semver&order=desc&limit=1");
  const tag = ((await tags.json()) as { items: { name: string }[] }).items[0]?.name;
  expect(tag).toBeDefined();
  await page.goto(`/repositories/platform/api/manifests/${tag}`);

  const section = page.getByRole("region", { name: "Layers and files" });
  await expect(section).toBeVisible();
  // indexing starts by itself; once every layer is done the merged tree appears
  const merged = section.getByRole("table", { name: "Files of the merged file system" });
  await expect(merged).toBeVisible({ timeout: 60_000 });
  const etc = merged.getByRole("button", { name: "etc", exact: true });
  await expect(etc).toBeVisible();
  await etc.click();
  await expect(etc).toHaveAttribute("aria-expanded", "true");
  await expect(merged.getByText("os-release", { exact: true })).toBeVisible();

  await section.getByLabel("Filter by path").fill("os-release");
  await expect(page).toHaveURL(/q=os-release/);
  await expect(merged.getByText("busybox", { exact: true })).toHaveCount(0);
  await expect(merged.getByText("os-release", { exact: true })).toBeVisible();
  await section.getByLabel("Filter by path").fill("");

  await expect(section.getByText(/finalBytes|efficiency/i).first()).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "layers-merged");

  // one layer: what it changed
  await section
    .getByRole("button", { name: /Layer 1/ })
    .first()
    .click();
  await expect(page).toHaveURL(/layer=sha256/);
  const layer = section.getByRole("table", { name: "Files of the layer 1" });
  await expect(layer).toBeVisible();
  // the checkbox follows the URL: click, then wait for the URL and the box to agree
  await section.getByLabel("Only changes").click();
  await expect(page).toHaveURL(/changes=only/);
  await expect(section.getByLabel("Only changes")).toBeChecked();
  await expect(layer.getByText("added").first()).toBeVisible();

  // deep link survives a reload
  await page.reload();
  await expect(section.getByRole("table", { name: "Files of the layer 1" })).toBeVisible();

  // the treemap opens its directory in the tree
  const treemap = section.getByRole("group", { name: "Treemap of the merged file system" });
  const rect = treemap.getByRole("button").first();
  await expect(rect).toBeVisible();
  await rect.click();
  await expect(page).toHaveURL(/dir=/);
  await screenshot(page, "layers-treemap");
  expect(errors).toEqual([]);
});

test("compare two tags: shared layers, then file changes once both are indexed", async ({ page, request }) => {
  const errors = watchServerErrors(page);
  const res = await request.get("/api/v1/repositories/platform/api/tags?sort=semver&order=desc&limit=40");
  const items = ((await res.json()) as { items: { name: string; digest: string }[] }).items;
  const to = items[0];
  const from = items.find((t) => t.digest !== to?.digest);
  expect(to && from).toBeTruthy();
  await page.goto(`/repositories/platform/api/compare?from=${from?.name}&to=${to?.name}`);
  await expect(page.getByRole("heading", { name: "Compare images" })).toBeVisible();
  await expect(page.getByLabel("From", { exact: true })).toHaveValue(from?.name ?? "");
  const index = page.getByRole("button", { name: "Index both images" });
  if (await index.isVisible()) await index.click();
  await expect(page.getByRole("table", { name: "Added files" }).or(page.getByText("Added (0)"))).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("heading", { name: "Shared" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "compare");
  expect(errors).toEqual([]);
});

test("an image's unique size, what shares its layers, and the SBOM that describes it; a Helm chart's details", async ({ page }) => {
  const errors = watchServerErrors(page);
  await page.goto("/repositories/security/scanner/manifests/0.57.1");
  const layers = page.getByRole("region", { name: /^Layers \(/ });
  await expect(layers.getByTestId("unique-size")).toContainText(/unique of/);
  await expect(layers.getByRole("table", { name: /Layers of this image/ })).toContainText(/other tag|Only this image/);
  const related = page.getByRole("region", { name: /Related artifacts/ });
  await expect(related.getByRole("table", { name: "Artifacts that describe this manifest" })).toContainText("SBOM");
  await expect(related).toContainText(/\.sbom/);
  await expectAccessible(page);
  await layers.getByTestId("unique-size").scrollIntoViewIfNeeded();
  await screenshot(page, "related-artifacts");

  await page.goto("/repositories/charts/platform-api/manifests/1.1.0");
  const chart = page.getByRole("region", { name: "Helm chart" });
  await expect(chart).toContainText("platform-api");
  await expect(chart).toContainText("2.4.1");
  await expect(page.getByRole("region", { name: /^Files \(/ })).toBeVisible();
  await expectAccessible(page);
  expect(errors).toEqual([]);
});
