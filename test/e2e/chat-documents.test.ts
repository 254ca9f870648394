// Chatting with a document in the browser (issue 20): a user attaches a PDF holding a fact that exists
// nowhere else, asks about it, and sees the answer's citation (file and page) open onto the passage; at
// phone width too. The raw scanner then finds no sentence of the document on disk, and after the
// conversation is deleted and purged, still none (its positive control is the sealed passages' bytes).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations, sidewaysOverflow } from "../helpers/axe.ts";
import { launchBrowser, screenshot } from "../helpers/browser.ts";
import { signInBrowser, signInOwner } from "../helpers/browser-session.ts";
import { pdfFixture } from "../helpers/document-fixtures.ts";
import { scanSources, useTestPlatformWithUpstream } from "../helpers/platform.ts";
import { foundAnywhere, rawScan } from "../helpers/raw-scan.ts";
import { waitFor } from "../helpers/wait-for.ts";

const fact = "The Quillmoor tide gauge was recalibrated by Odalys Venn on 14 March 2019.";
const other = "The harbour master keeps the logbook in the east tower.";
const report = pdfFixture([
  [
    "Harbour instruments report",
    "",
    "The harbour keeps a barometer, an anemometer and a tide gauge.",
    "",
    other,
  ],
  ["Maintenance", "", fact, "", "The anemometer is checked every spring."],
]);

describe("chat with a document in the browser", () => {
  const platform = useTestPlatformWithUpstream({
    env: { CUSTODIAN_DELETION_WINDOW_MS: "0", CUSTODIAN_PURGE_INTERVAL_MS: "1000" },
  });
  let browser: Browser;
  let userId: string;

  beforeAll(async () => {
    ({ userId } = await signInOwner(platform, { email: "reader@docs.example" }));
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function askAboutTheReport(page: Page, name: string): Promise<string> {
    await page.goto(platform.server.url);
    // The model list loads after the shell (at phone width the sidebar is folded away).
    await expect.poll(() => page.getByLabel("Model").inputValue(), { timeout: 30_000 }).toBe("fake-model");
    await page.getByLabel("Attach file").setInputFiles({
      name: "harbour-report.pdf",
      mimeType: "application/pdf",
      buffer: report,
    });
    const attached = page.getByRole("list", { name: "Attached files" });
    await attached.getByText("harbour-report.pdf").waitFor({ timeout: 60_000 });
    await page.getByLabel("Message", { exact: true }).fill("Who recalibrated the Quillmoor tide gauge?");
    await page.getByRole("button", { name: "Send" }).click();
    const sources = page.getByRole("region", { name: "Sources" }).last();
    await sources.waitFor({ timeout: 60_000 });
    const first = sources.locator("summary").first();
    expect(await first.innerText()).toContain("[1] harbour-report.pdf · page 2");
    await first.click();
    await expect.poll(() => sources.locator("blockquote").first().innerText()).toContain(fact);
    expect(await sidewaysOverflow(page)).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, name);
    return new URL(page.url()).pathname.split("/").at(-1)!;
  }

  it("[PLAT-1] a PDF's fact is found, cited with file and page, and its passage shown", async () => {
    const { context, page } = await signInBrowser(browser, platform, "reader@docs.example", {
      viewport: { width: 1280, height: 800 },
    });
    const conversationId = await askAboutTheReport(page, "chat-documents-desktop");
    await context.close();

    // Nothing of the document is on disk in plaintext; its sealed passages are (the positive control).
    const core = platform.server.platform;
    const rows = await core.db.selectFrom("documents").select("passages").execute();
    expect(rows).toHaveLength(1);
    const needles = { fact, other, sealed: rows[0]!.passages.subarray(0, 48) };
    const before = foundAnywhere(await rawScan(scanSources(platform), needles));
    expect(Object.keys(before)).toEqual(["sealed"]);

    // Deleting the conversation deletes the attachment; after the purge, not even its sealed bytes stay.
    const workspaceId = (await core.identity.users.defaultWorkspace(platform.organization)).id;
    await core.workspace.conversations.delete(
      { organizationId: platform.organization, workspaceId, userId },
      conversationId,
    );
    await waitFor(
      async () => Object.keys(foundAnywhere(await rawScan(scanSources(platform), needles))).length === 0,
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
  }, 300_000);

  it("[PLAT-1] at phone width the attachment and the citation fit the screen", async () => {
    const { context, page } = await signInBrowser(browser, platform, "reader@docs.example", {
      viewport: { width: 390, height: 844 },
    });
    await askAboutTheReport(page, "chat-documents-phone");
    await context.close();
  }, 300_000);

  it("[PLAT-1] a knowledge collection made on the Knowledge page is picked in a chat and cited", async () => {
    const { context, page } = await signInBrowser(browser, platform, "reader@docs.example", {
      viewport: { width: 1280, height: 800 },
    });
    await page.goto(`${platform.server.url}/knowledge`);
    await page.getByLabel("New collection").fill("Lighthouse notes");
    await page.getByRole("button", { name: "Make" }).click();
    const collection = page.getByRole("region", { name: "Lighthouse notes" });
    await collection.getByLabel("Add a file").setInputFiles({
      name: "lamp.md",
      mimeType: "text/markdown",
      buffer: Buffer.from(
        `# Lamp\n\nThe Brackwater lighthouse lamp was replaced with an LED array in 2021.\n`,
      ),
    });
    await collection.getByRole("list", { name: "Files in Lighthouse notes" }).getByText("lamp.md").waitFor();
    expect(await sidewaysOverflow(page)).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "knowledge-page");

    await page.goto(platform.server.url);
    await expect.poll(() => page.getByLabel("Model").inputValue(), { timeout: 30_000 }).toBe("fake-model");
    await page.locator(".knowledge-picker summary").click();
    await page.getByLabel("Lighthouse notes").check();
    await page
      .getByLabel("Message", { exact: true })
      .fill("When was the Brackwater lighthouse lamp replaced?");
    await page.getByRole("button", { name: "Send" }).click();
    const sources = page.getByRole("region", { name: "Sources" }).last();
    await sources.waitFor({ timeout: 60_000 });
    expect(await sources.locator("summary").first().innerText()).toContain("[1] lamp.md · Lamp");
    await context.close();
  }, 300_000);
});
