// The Documents section of the admin console (issue 20, CTL-2) in Chromium at desktop and phone widths:
// an admin picks the embedding model of new collections among the models that give embeddings, saves,
// and the organisation's setting is that model; choosing keyword search only saves null.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations, sidewaysOverflow } from "../helpers/axe.ts";
import { launchBrowser, screenshot } from "../helpers/browser.ts";
import { signInAdmin, signInBrowser, type BrowserSession } from "../helpers/browser-session.ts";
import { useTestPlatformWithUpstream } from "../helpers/platform.ts";

const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

describe("the admin console's embedding model", () => {
  const platform = useTestPlatformWithUpstream();
  let browser: Browser;
  let admin: BrowserSession;

  beforeAll(async () => {
    admin = await signInAdmin(platform, "admin@embed-console.example");
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
  });

  const saved = async () =>
    ((await (await admin.fetch("/api/admin/embedding-model")).json()) as { model: string | null }).model;

  for (const [width, viewport] of Object.entries(viewports)) {
    it(`[CTL-2] an admin chooses the model that embeds new collections, then keywords only (${width})`, async () => {
      const { context, page } = await signInBrowser(browser, platform, "admin@embed-console.example", {
        viewport,
      });
      await page.goto(`${platform.server.url}/admin/documents`);
      await page.getByRole("heading", { name: "Embedding model" }).waitFor({ timeout: 30_000 });
      const model = page.getByLabel("Model");
      await page.getByText("Now: keyword search only.").waitFor({ timeout: 30_000 });
      await model.selectOption("fake-model");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByText("Now: fake-model.").waitFor({ timeout: 30_000 });
      expect(await saved()).toBe("fake-model");
      expect(await sidewaysOverflow(page)).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `admin-embedding-model-${width}`);

      await model.selectOption({ label: "None: keyword search only" });
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByText("Now: keyword search only.").waitFor({ timeout: 30_000 });
      expect(await saved()).toBeNull();
      await context.close();
    }, 300_000);
  }
});
