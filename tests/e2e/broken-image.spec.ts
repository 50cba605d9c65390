// An image whose layer blob is gone from the registry: the image page, its tag row and its repository row say
// "incomplete: pulls will fail" with the missing digest, instead of a normal size.
import { expect, test } from "./fixtures";
import { expectAccessible, watchServerErrors } from "./helpers";

const missing = () => process.env.E2E_BROKEN_LAYER ?? "";

test("a broken image shows the incomplete banner with the missing digest, and badges in the lists", async ({ page }) => {
  const errors = watchServerErrors(page);
  // the presence check runs after the start-up sync, in the background
  await expect
    .poll(
      async () => {
        const res = await page.request.get("/api/v1/repositories/e2e/broken/tags");
        const body = (await res.json()) as { items: { name: string; problems: { code: string; digest: string }[] }[] };
        return body.items.find((t) => t.name === "1.0")?.problems ?? [];
      },
      { timeout: 60_000 },
    )
    .toEqual([{ code: "blob_missing", digest: missing() }]);

  await page.goto("/repositories/e2e/broken/manifests/1.0");
  const banner = page.getByTestId("incomplete-banner");
  await expect(banner).toContainText("incomplete: pulls will fail");
  await expect(banner).toContainText(missing());
  await expectAccessible(page);

  await page.goto("/repositories/e2e/broken");
  await expect(page.getByTestId("incomplete-badge").first()).toContainText("incomplete: pulls will fail");
  await expectAccessible(page);

  await page.goto("/repositories?q=e2e/broken");
  await expect(page.getByTestId("incomplete-badge").first()).toContainText("incomplete: pulls will fail");
  await expectAccessible(page);
  expect(errors).toEqual([]);
});
