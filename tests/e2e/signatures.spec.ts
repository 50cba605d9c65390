import { expect, test } from "./fixtures";
import { expectAccessible, watchServerErrors } from "./helpers";

test.describe.configure({ mode: "serial" });

// e2e/signed (global setup): 1.0 signed by the key in COSIGN_PUBLIC_KEYS (release.pub), 2.0 by an unknown key.
test("a signed image carries its verdict; its signature is listed under it, not as a broken image", async ({ page }) => {
  const errors = watchServerErrors(page);
  await page.goto("/repositories/e2e/signed");
  const table = page.getByRole("table", { name: "Tags of e2e/signed" });
  const v1 = table.getByRole("row").filter({ has: page.getByRole("link", { name: "1.0", exact: true }) });
  const v2 = table.getByRole("row").filter({ has: page.getByRole("link", { name: "2.0", exact: true }) });
  await expect(v1).toContainText("verified by release.pub");
  await expect(v2).toContainText("signature does not verify");
  await expect(table.getByRole("link", { name: /^sha256-/ })).toHaveCount(0);
  // the repository's pull command names a tag that exists
  await expect(page.getByRole("button", { name: /^Copy docker pull command: docker pull .*\/e2e\/signed:2\.0$/ })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel("List signatures and SBOMs as rows").check();
  await expect(page).toHaveURL(/artifacts=rows/);
  const sigName = /^sha256-[a-f0-9]{64}\.sig$/;
  await expect(table.getByRole("link", { name: sigName })).toHaveCount(2);
  const sigRow = table
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name: sigName }) })
    .first();
  await expect(sigRow).toContainText("signature of sha256:");
  await expect(sigRow).not.toContainText("years ago");

  // the signature's own page: what it is, what it signs, its payload; no layer to index, nothing "failed"
  await page.goto("/repositories/e2e/signed/manifests/1.0");
  await expect(page.getByText("verified by release.pub").first()).toBeVisible();
  await expectAccessible(page);
  const api = await page.request.get("/api/v1/repositories/e2e/signed/manifests/1.0");
  const digest = ((await api.json()) as { digest: string }).digest;
  await page.goto(`/repositories/e2e/signed/manifests/${digest.replace(":", "-")}.sig`);
  const about = page.getByRole("region", { name: "Signature", exact: true });
  await expect(about).toContainText("This is a cosign signature of");
  await expect(about.getByRole("link", { name: /e2e\/signed@sha256:/ })).toBeVisible();
  await expect(about.getByLabel("Signature payload")).toContainText(digest);
  await expect(about).toContainText("verified by release.pub");
  await expect(page.getByText("This artifact has no file system to inspect")).toBeVisible();
  await expect(page.getByText(/not_a_tar|failed:/)).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Retry/ })).toHaveCount(0);
  await expect(page.getByText(/docker pull/)).toHaveCount(0);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test("a Helm chart is pulled with helm", async ({ page }) => {
  await page.goto("/repositories/charts/ingress");
  await expect(
    page.getByRole("button", { name: /^Copy helm pull command: helm pull oci:\/\/.*\/charts\/ingress --version / }),
  ).toBeVisible();
  const row = page.getByRole("table", { name: "Tags of charts/ingress" }).getByRole("row").nth(1);
  await expect(row.getByRole("button", { name: /^Copy pull by tag: helm pull oci:\/\// })).toBeVisible();
  await expect(row.getByRole("button", { name: /pull by digest/ })).toHaveCount(0);
});
