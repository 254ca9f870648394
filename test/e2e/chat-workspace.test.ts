// The web app end to end in a real browser (Debian's Chromium): sign in, chat and watch the answer
// stream, delete a conversation, open the trust page.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot } from "../helpers/browser.ts";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

const password = "correct horse battery staple";

describe("chat workspace in the browser", () => {
  let upstream: FakeUpstream;
  let platform: TestPlatform;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    platform = await startTestPlatform({
      upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }],
    });
    await platform.server.platform.identity.users.createLocalOwner({
      organizationId: platform.organization,
      email: "owner@example.com",
      displayName: "Olive Owner",
      password,
      actor: "test",
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await upstream?.close();
  });

  it("[PLAT-1] signs in with the bootstrap owner's password", async () => {
    await page.goto(platform.server.url);
    await page.getByLabel("Organisation").fill(platform.organization);
    await screenshot(page, "sign-in");
    await page.getByLabel("Email").fill("owner@example.com");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("button", { name: "New chat" }).waitFor();
    await page.getByText("What can I help with?").waitFor();
    expect(await page.getByText("Olive Owner").isVisible()).toBe(true);
  });

  it("[PLAT-1] chats: the answer streams in and the conversation appears in the list", async () => {
    upstream.behaviour = { kind: "slow-stream", chunks: 12, intervalMs: 150 };
    await page.getByLabel("Message", { exact: true }).fill("Plan a **short** trip");
    await page.getByRole("button", { name: "Send" }).click();
    // While streaming, the Stop button replaces Send and words arrive one by one.
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await page.getByText("w3", { exact: false }).first().waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor({ timeout: 15_000 });
    const answer = await page.locator(".message.assistant").last().innerText();
    expect(answer).toContain("w0 w1 w2");
    expect(answer).toContain("w11");
    await page
      .getByRole("navigation", { name: "Conversations" })
      .getByText("Plan a **short** trip")
      .waitFor();
    expect(page.url()).toMatch(/\/c\/conv_/);
    await screenshot(page, "chat");
    upstream.behaviour = { kind: "echo" };
  });

  it("[OWN-4] deletes a conversation after stating it becomes unreadable at once", async () => {
    let warning = "";
    page.once("dialog", (dialog) => {
      warning = dialog.message();
      void dialog.accept();
    });
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByText("No conversations yet.").waitFor();
    expect(warning).toContain("unreadable at once");
    expect(page.url()).toBe(`${platform.server.url}/`);
  });

  it("[PLAT-2] shows the trust page with every commitment", async () => {
    await page.goto(`${platform.server.url}/trust`);
    await page.getByRole("heading", { name: "Trust" }).waitFor();
    await page.getByText("SEC-1").first().waitFor();
    expect(await page.locator(".commitment").count()).toBeGreaterThanOrEqual(10);
    await screenshot(page, "trust");
  });
});
