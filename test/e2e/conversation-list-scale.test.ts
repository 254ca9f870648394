// Ten thousand conversations in the sidebar (PLAT-1): the list pages them in as it scrolls and renders
// only the rows in view, so every one of them can be reached while the page holds a few dozen rows;
// the whole chat screen can be used with the keyboard alone; and answers are sanitised.
import { sql } from "kysely";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot } from "../helpers/browser.ts";
import { useTestPlatformWithUpstream } from "../helpers/platform.ts";

const password = "correct horse battery staple";
const count = 10_000;
const rowHeight = 52;

describe("the conversation list at scale, and the keyboard", () => {
  const platform = useTestPlatformWithUpstream();
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const { identity, db } = platform.server.platform;
    const user = await identity.users.createLocalOwner({
      organizationId: platform.organization,
      email: "many@example.com",
      password,
      actor: "test",
    });
    const workspace = await identity.users.defaultWorkspace(platform.organization);
    // Untitled conversations, one a minute apart: a list only reads their metadata.
    await sql`
      insert into conversations (id, organization_id, workspace_id, user_id, wrapped_key, model, created_at, updated_at)
      select 'conv_scale_' || lpad(i::text, 5, '0'), ${platform.organization}, ${workspace.id}, ${user.id},
        '\\x00'::bytea, 'fake-model', now() - make_interval(mins => i), now() - make_interval(mins => i)
      from generate_series(1, ${count}) as i`.execute(db);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(platform.server.url);
    await page.getByLabel("Email").fill("many@example.com");
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("button", { name: "New chat" }).waitFor();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("[PLAT-1] reaches all 10,000 conversations by scrolling, with only the rows in view in the page", async () => {
    const list = page.locator(".virtual-list");
    await list.locator("li").first().waitFor();
    const height = () => list.locator("ul").evaluate((element) => element.getBoundingClientRect().height);
    const deadline = Date.now() + 240_000;
    let rendered = 0;
    while ((await height()) < count * rowHeight && Date.now() < deadline) {
      await list.evaluate((element) => element.scrollTo(0, element.scrollHeight));
      rendered = Math.max(rendered, await list.locator("li").count());
      await page.waitForTimeout(100);
    }
    // Every conversation has its place (plus the date headers), and the page never held many rows.
    expect(await height()).toBeGreaterThanOrEqual(count * rowHeight);
    expect(rendered).toBeLessThan(80);
    await list.evaluate((element) => element.scrollTo(0, element.scrollHeight));
    await page.getByRole("button", { name: "Options for New conversation" }).last().waitFor();
    await screenshot(page, "chat-list-10000-desktop");
  }, 300_000);

  it("[PLAT-1] is usable with the keyboard alone: reach the message box, send, read the answer", async () => {
    await page.goto(platform.server.url);
    await page.getByRole("button", { name: "New chat" }).waitFor();
    // The first Tab offers a way past the sidebar (ten thousand conversations long).
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to the message box");
    await page.waitForSelector("#composer-input:not([disabled])", { timeout: 60_000 });
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("composer-input");
    // Focus is visible where it is.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe("none");
    await page.keyboard.type("Typed without a mouse");
    await page.keyboard.press("Enter");
    await page.getByText("echo: Typed without a mouse").waitFor({ timeout: 60_000 });
  }, 120_000);

  it("[PLAT-1] an answer's raw HTML and javascript: links never become live markup", async () => {
    await page.goto(platform.server.url);
    await page
      .getByLabel("Message", { exact: true })
      .fill(
        'Look: <img src="x" onerror="window.__injected = 1"> <script>window.__injected = 2</script> [click](javascript:window.__injected=3)',
      );
    await page.getByRole("button", { name: "Send" }).click();
    const answer = page.getByRole("article", { name: "Answer" }).last();
    await answer.locator(".markdown").getByText("click").waitFor({ timeout: 60_000 });
    await page.waitForLoadState("networkidle");
    expect(await answer.locator("img, script").count()).toBe(0);
    const href = await answer
      .getByText("click")
      .evaluate((element) => element.closest("a")?.getAttribute("href") ?? "");
    expect(href).not.toMatch(/^javascript:/i);
    await answer.getByText("click").click();
    expect(
      await page.evaluate(() => (window as unknown as { __injected?: number }).__injected),
    ).toBeUndefined();
  }, 120_000);
});
