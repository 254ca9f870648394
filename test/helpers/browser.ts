// Launches Debian's Chromium through playwright-core for end-to-end tests, and saves screenshots of
// each main screen under test-artifacts/screens (git-ignored) for reviewers.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const chromiumPath = process.env.CUSTODIAN_CHROMIUM ?? "/usr/bin/chromium";
const screens = path.resolve(import.meta.dirname, "../../test-artifacts/screens");

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screens, { recursive: true });
  await page.screenshot({ path: path.join(screens, `${name}.png`), fullPage: false });
}
