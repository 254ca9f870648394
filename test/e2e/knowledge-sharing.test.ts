// Sharing a knowledge collection with a group on the Knowledge page (issue 20, CTL-2), in Chromium at
// desktop and phone widths: the owner ticks a group and saves; the page says whom it is shared with; a
// member of that group sees it marked read only, with no way to delete it, add or remove its files,
// or change its sharing. Someone outside the group does not see it (after the positive control that
// their page lists collections at all).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations, sidewaysOverflow } from "../helpers/axe.ts";
import { launchBrowser, screenshot } from "../helpers/browser.ts";
import { signInBrowser, signInOwner, type BrowserSession } from "../helpers/browser-session.ts";
import { useTestPlatformWithUpstream } from "../helpers/platform.ts";

const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

describe("sharing a knowledge collection on the Knowledge page", () => {
  const platform = useTestPlatformWithUpstream();
  let browser: Browser;
  let outsider: BrowserSession;

  beforeAll(async () => {
    const owner = await signInOwner(platform, { email: "keeper@share.example" });
    const colleague = await signInOwner(platform, { email: "colleague@share.example" });
    outsider = await signInOwner(platform, { email: "outsider@share.example" });
    const { scimGroups } = platform.server.platform.identity;
    await scimGroups.create(
      platform.organization,
      { displayName: "Archivists", members: [{ value: colleague.userId }] },
      "test",
    );
    await scimGroups.create(
      platform.organization,
      { displayName: "Keepers", members: [{ value: owner.userId }] },
      "test",
    );
    // The outsider's own collection: their page lists collections (the control for "not shown").
    await outsider.fetch("/api/knowledge", { method: "POST", body: JSON.stringify({ name: "Own notes" }) });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const [width, viewport] of Object.entries(viewports)) {
    it(`[CTL-2] the owner shares a collection with a group; its member reads it, read only (${width})`, async () => {
      const name = `Harbour logs ${width}`;
      const owner = await signInBrowser(browser, platform, "keeper@share.example", { viewport });
      const page = owner.page;
      await page.goto(`${platform.server.url}/knowledge`);
      await page.getByLabel("New collection").fill(name);
      await page.getByRole("button", { name: "Make" }).click();
      const collection = page.getByRole("region", { name });
      await collection.getByText("Not shared.").waitFor({ timeout: 30_000 });
      await collection.getByLabel("Add a file").setInputFiles({
        name: "tides.md",
        mimeType: "text/markdown",
        buffer: Buffer.from("# Tides\n\nThe spring tide peaks at dawn on the quay.\n"),
      });
      await collection.getByText("tides.md").waitFor({ timeout: 60_000 });

      await collection.getByText("Share with groups").click();
      const groups = collection.getByRole("group", { name: `Groups that may read “${name}”` });
      // The owner's own group comes first.
      expect(
        await groups
          .getByRole("checkbox")
          .first()
          .evaluate((box) => box.parentElement?.textContent),
      ).toContain("Keepers");
      await groups.getByLabel("Archivists").check();
      await collection.getByRole("button", { name: "Save sharing" }).click();
      await collection.getByText("Shared with Archivists (read only).").waitFor({ timeout: 30_000 });
      expect(await sidewaysOverflow(page)).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `knowledge-sharing-owner-${width}`);
      await owner.context.close();

      const reader = await signInBrowser(browser, platform, "colleague@share.example", { viewport });
      await reader.page.goto(`${platform.server.url}/knowledge`);
      const shared = reader.page.getByRole("region", { name });
      await shared.getByText("shared with you, read only", { exact: false }).waitFor({ timeout: 30_000 });
      await shared.getByText("tides.md").waitFor({ timeout: 30_000 });
      expect(await shared.getByRole("button", { name: "Delete" }).count()).toBe(0);
      expect(await shared.getByRole("button", { name: "Remove" }).count()).toBe(0);
      expect(await shared.getByLabel("Add a file").count()).toBe(0);
      expect(await shared.getByText("Share with groups").count()).toBe(0);
      expect(await sidewaysOverflow(reader.page)).toBe(0);
      expect(await seriousViolations(reader.page)).toEqual([]);
      await screenshot(reader.page, `knowledge-sharing-reader-${width}`);
      await reader.context.close();

      const other = await signInBrowser(browser, platform, "outsider@share.example", { viewport });
      await other.page.goto(`${platform.server.url}/knowledge`);
      await other.page.getByRole("region", { name: "Own notes" }).waitFor({ timeout: 30_000 });
      expect(await other.page.getByRole("region", { name }).count()).toBe(0);
      await other.context.close();
    }, 300_000);
  }
});
