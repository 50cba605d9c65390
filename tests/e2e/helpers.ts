import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export const SCREENSHOTS = path.resolve(__dirname, "../../public/screenshots");

/** No axe violations (WCAG 2.1 A/AA rules) on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  // Measure the settled page: a button that was just enabled may still be fading its colours in.
  await page.waitForFunction(() => document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== "running"));
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(summary).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Collect every response with a 5xx status while the page is used. */
export function watchServerErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("response", (r) => {
    if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`);
  });
  return errors;
}

/**
 * The cursors of the tag pages the page asks `repository` for, as they are requested. The first page has no cursor:
 * it comes with the HTML (a live refresh may ask for it again), so only the pages after it are listed.
 */
export function watchTagPageCursors(page: Page, repository: string): string[] {
  const cursors: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    const cursor = url.searchParams.get("cursor");
    if (url.pathname === `/api/v1/repositories/${repository}/tags` && cursor) cursors.push(cursor);
  });
  return cursors;
}
