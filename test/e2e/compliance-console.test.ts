// The admin console's compliance section in Chromium at a desktop size (1280x800) and a phone size
// (390x844): an owner creates an admin API key (its secret shown once and copied; the official OpenAI
// client reads the audit log with it), sees it listed without the secret, revokes it after a confirmation
// (the client is refused from then on) and downloads the SOC 2 evidence pack, a gzip tar holding every
// section. An admin sees the download disabled with the reason, and the routes answer them 403. Every
// screen fits the width and axe-core finds no serious or critical violation; screenshots go to
// test-artifacts/screens.
import OpenAI from "openai";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evidenceSections } from "../../src/compliance/evidence-pack.ts";
import { seriousViolations, sidewaysOverflow } from "../helpers/axe.ts";
import { launchBrowser, screenshot } from "../helpers/browser.ts";
import { signInAdmin, signInBrowser, signInOwner, type BrowserSession } from "../helpers/browser-session.ts";
import { useTestPlatform } from "../helpers/platform.ts";
import { readTarGz } from "../helpers/tar-reader.ts";

const sizes = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;

/** Everything the page shows a person: its text and the values of its fields. */
const shown = (page: Page) =>
  page.evaluate(() =>
    [document.body.innerText, ...Array.from(document.querySelectorAll("input"), (input) => input.value)].join(
      "\n",
    ),
  );

describe("the compliance section of the admin console", () => {
  const platform = useTestPlatform();
  let browser: Browser;
  let adminSession: BrowserSession;

  async function checkScreen(page: Page, name: string): Promise<void> {
    await page.waitForLoadState("networkidle");
    expect(await sidewaysOverflow(page), `${name} scrolls sideways`).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), `${name}: axe-core`).toEqual([]);
    await screenshot(page, name);
  }

  async function openCompliance(page: Page): Promise<void> {
    await page.goto(`${platform.server.url}/admin/compliance`);
    await page.getByRole("heading", { name: "Compliance", exact: true }).waitFor();
    await page.getByRole("heading", { name: "Evidence pack" }).waitFor();
  }

  beforeAll(async () => {
    // The accounts (signInOwner's password); the browser signs in on its own below.
    await signInOwner(platform, { email: "owner@compliance.example" });
    adminSession = await signInAdmin(platform, "admin@compliance.example");
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const size of sizes) {
    it(`[SEC-4][SEC-5] at ${size.name} size an owner creates, lists and revokes an admin key and downloads the evidence pack`, async () => {
      const { context, page } = await signInBrowser(browser, platform, "owner@compliance.example", size);
      try {
        await openCompliance(page);
        await page
          .getByText("No admin keys yet.")
          .or(page.getByRole("region", { name: "Admin API keys" }))
          .waitFor();
        await checkScreen(page, `admin-compliance-${size.name}`);

        // Create: the secret is shown once, and the copy button copies it.
        const name = `SIEM ${size.name}`;
        await page.getByLabel("Key name").fill(name);
        await page.getByRole("button", { name: "Create admin key" }).click();
        const secretField = page.getByRole("textbox", { name: "New admin key" });
        await secretField.waitFor();
        const secret = await secretField.inputValue();
        expect(secret).toMatch(/^sk-admin-/);
        await page.getByRole("button", { name: "Copy the admin key" }).click();
        await page.getByRole("button", { name: "Copied" }).waitFor();
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
        const row = page.getByRole("row").filter({ hasText: name });
        await row.waitFor();
        await checkScreen(page, `admin-compliance-key-created-${size.name}`);

        // The copied key reads the audit log through the official client.
        const compliance = new OpenAI({
          baseURL: `${platform.server.url}/v1`,
          apiKey: null,
          adminAPIKey: secret,
          maxRetries: 0,
        });
        const logs = await compliance.admin.organization.auditLogs.list({ limit: 5 });
        expect(logs.getPaginatedItems().length).toBeGreaterThan(0);

        // Listed, never with the secret again: the page shows it now (the control), not after a reload.
        expect(await shown(page)).toContain(secret);
        const listing = page.waitForResponse(
          (response) =>
            response.url().endsWith("/api/admin/admin-api-keys") && response.request().method() === "GET",
        );
        await page.reload();
        const listed = await (await listing).text();
        expect(listed).toContain(name);
        expect(listed).not.toContain(secret);
        await row.waitFor();
        const redacted = (await row.locator("code").innerText()).trim();
        expect(redacted).toMatch(/^sk-admin-.+\.\.\./);
        expect(secret.startsWith(redacted.split("...")[0]!)).toBe(true);
        expect(await shown(page)).not.toContain(secret);

        // Revoke after a confirmation: cancelling keeps the key; confirming stops it at once.
        await row.getByRole("button", { name: `Revoke ${name}` }).click();
        const dialog = page.getByRole("dialog", { name: "Revoke this admin key?" });
        await dialog.waitFor();
        await checkScreen(page, `admin-compliance-revoke-${size.name}`);
        await dialog.getByRole("button", { name: "Cancel" }).click();
        await dialog.waitFor({ state: "hidden" });
        expect(
          (await compliance.admin.organization.auditLogs.list({ limit: 1 })).getPaginatedItems(),
        ).not.toEqual([]);
        await row.getByRole("button", { name: `Revoke ${name}` }).click();
        await dialog.getByRole("button", { name: "Revoke key" }).click();
        await dialog.waitFor({ state: "hidden" });
        await row.getByText("revoked").waitFor();
        await expect(compliance.admin.organization.auditLogs.list({ limit: 1 })).rejects.toMatchObject({
          status: 401,
        });

        // The evidence pack: a gzip tar holding every section.
        const downloading = page.waitForEvent("download", { timeout: 120_000 });
        await page.getByRole("button", { name: "Download evidence pack" }).click();
        const download = await downloading;
        expect(download.suggestedFilename()).toMatch(/^custodian-evidence-\d{4}-\d{2}-\d{2}\.tar\.gz$/);
        const archive = readFileSync(await download.path());
        expect([...archive.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
        const files = readTarGz(archive);
        expect([...files.keys()].sort()).toEqual([...evidenceSections].sort());
        const manifest = JSON.parse(files.get("manifest.json")!.toString("utf8")) as { organization: string };
        expect(manifest.organization).toBe(platform.organization);
        await page.getByRole("button", { name: "Download evidence pack" }).waitFor();
        expect(await page.getByRole("alert").count()).toBe(0);
      } finally {
        await context.close();
      }
    }, 300_000);

    it(`[SEC-4][SEC-5] at ${size.name} size an admin sees why the download is disabled, and the routes refuse them`, async () => {
      const { context, page } = await signInBrowser(browser, platform, "admin@compliance.example", size);
      try {
        await openCompliance(page);
        const button = page.getByRole("button", { name: "Download evidence pack" });
        await button.waitFor();
        expect(await button.isDisabled()).toBe(true);
        const reason = await button.getAttribute("aria-describedby");
        expect(await page.locator(`#${reason}`).innerText()).toContain("Only the organisation's owner");
        await page
          .getByText("Only the organisation's owner can create, list and revoke admin API keys.")
          .waitFor();
        expect(await page.getByRole("button", { name: "Create admin key" }).count()).toBe(0);
        await checkScreen(page, `admin-compliance-admin-${size.name}`);
      } finally {
        await context.close();
      }
      const refused = await adminSession.fetch("/api/admin/evidence", { method: "POST" });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toBeTruthy();
      expect((await adminSession.fetch("/api/admin/admin-api-keys")).status).toBe(403);
      // The control: the same session reaches a route its role does grant.
      expect((await adminSession.fetch("/api/admin/members")).status).toBe(200);
    }, 300_000);
  }
});
