// At phone width (390 px) every page fits: the header wraps instead of cutting "Audit log" off, the image
// page does not scroll sideways, and on the repositories page the search box comes before the tree.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { expectAccessible, watchServerErrors } from "./helpers";

test.use({ viewport: { width: 390, height: 844 } });

async function horizontalOverflow(page: Page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // the elements sticking out, for a useful failure message (scrollable regions may hold wide content)
    const culprits = [...document.querySelectorAll("body *")]
      .filter((el) => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 1) return false;
        for (let p = el.parentElement; p; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if ((o === "auto" || o === "scroll" || o === "hidden" || o === "clip") && p.getBoundingClientRect().right <= width + 1)
            return false;
        }
        return true;
      })
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}.${String(el.className).slice(0, 60)} → ${Math.round(el.getBoundingClientRect().right)}px`,
      );
    return { scrollWidth: document.documentElement.scrollWidth, width, culprits };
  });
}

async function expectNoOverflow(page: Page) {
  const o = await horizontalOverflow(page);
  expect(o.culprits, `page is ${o.scrollWidth}px wide at ${o.width}px`).toEqual([]);
  expect(o.scrollWidth).toBeLessThanOrEqual(o.width);
}

test("repositories, tags and image pages fit a 390 px phone", async ({ page, request }) => {
  const errors = watchServerErrors(page);
  await page.goto("/repositories");
  const main = page.getByRole("navigation", { name: "Main" });
  await expect(main.getByRole("link", { name: "Audit log" })).toBeInViewport({ ratio: 1 });
  // the search box comes before the namespace tree
  const search = page.getByRole("searchbox").first();
  await expect(search).toBeVisible();
  const tree = page.getByRole("tree").first();
  if (await tree.count()) {
    const before = await search.evaluate(
      (s, t) => Boolean(s.compareDocumentPosition(t as Node) & Node.DOCUMENT_POSITION_FOLLOWING),
      await tree.elementHandle(),
    );
    expect(before).toBe(true);
  }
  await expectNoOverflow(page);
  await expectAccessible(page);

  await page.goto("/repositories/platform/api");
  await expect(page.getByRole("heading", { name: /platform\/api/ }).first()).toBeVisible();
  await expectNoOverflow(page);
  await expectAccessible(page);

  const tags = await request.get("/api/v1/repositories/platform/api/tags?sort=semver&order=desc&limit=1");
  const tag = ((await tags.json()) as { items: { name: string }[] }).items[0]?.name;
  await page.goto(`/repositories/platform/api/manifests/${tag}`);
  await expect(page.getByRole("region", { name: "Layers and files" })).toBeVisible();
  await expectNoOverflow(page);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});
