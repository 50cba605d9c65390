// The specs' `test`: its page waits, after every goto and reload, until React has hydrated the page
// (app/providers.tsx marks <html data-hydrated>). Playwright clicks as soon as an element is visible, and
// Next 16 drops a Link click that lands before the router hydrated: the page then never navigates.
import { test as base, expect, type Page } from "@playwright/test";

export async function waitForHydration(page: Page): Promise<void> {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

export const test = base.extend({
  page: async ({ page }, use) => {
    const goto = page.goto.bind(page);
    const reload = page.reload.bind(page);
    page.goto = (async (url, options) => {
      const response = await goto(url, options);
      await waitForHydration(page);
      return response;
    }) as Page["goto"];
    page.reload = (async (options) => {
      const response = await reload(options);
      await waitForHydration(page);
      return response;
    }) as Page["reload"];
    await use(page);
  },
});

export { expect };
