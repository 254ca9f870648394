// The workspace and the admin console in Chromium at a desktop size (1280x800) and a phone size
// (390x844), against a fake model server on 127.0.0.1: no screen scrolls sideways, axe-core finds no
// serious or critical violation, failures (429, 404, 500, network) show in place of the answer with the
// question and draft kept, edits and regenerations keep branches, Markdown tables render and code is
// copied, and a share opens inside the organisation and nowhere else. Screenshots of every screen at
// both sizes go to test-artifacts/screens.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations, sidewaysOverflow } from "../helpers/axe.ts";
import { launchBrowser, screenshot } from "../helpers/browser.ts";
import { signInBrowser } from "../helpers/browser-session.ts";
import { useTestPlatformWithUpstream } from "../helpers/platform.ts";

const password = "correct horse battery staple";
const sizes = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;
const markdownQuestion = [
  "Show me a table:",
  "",
  "| Fruit | Colour |",
  "| ----- | ------ |",
  "| Apple | Red |",
  "",
  "- [x] done",
  "  - nested item",
  "",
  "> a quote",
  "",
  "```js",
  "const answer = 42;",
  "```",
].join("\n");

describe("workspace screens at desktop and phone sizes", () => {
  const platform = useTestPlatformWithUpstream();
  let browser: Browser;
  let outsiderOrganization: string;

  async function account(email: string, organization = platform.organization): Promise<void> {
    await platform.server.platform.identity.users.createLocalOwner({
      organizationId: organization,
      email,
      displayName: email.split("@")[0]!,
      password,
      actor: "test",
    });
  }

  /** A browser context signed in as `email` (through /api/session, as the sign-in page does). */
  function signedIn(
    email: string,
    viewport: { width: number; height: number },
    organization = platform.organization,
  ): Promise<{ context: BrowserContext; page: Page }> {
    return signInBrowser(browser, platform, email, { viewport, password, organization });
  }

  /** Every check a screen must pass at every size, then its screenshot. */
  async function checkScreen(page: Page, name: string): Promise<void> {
    await page.waitForLoadState("networkidle");
    expect(await sidewaysOverflow(page), `${name} scrolls sideways`).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), `${name}: axe-core`).toEqual([]);
    await screenshot(page, name);
  }

  async function openDrawerIfPhone(page: Page, size: string): Promise<void> {
    if (size !== "phone") return;
    await page.getByRole("button", { name: "Open conversations" }).click();
    await page.getByRole("button", { name: "New chat" }).waitFor();
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByLabel("Message", { exact: true }).fill(text);
    await page.getByRole("button", { name: "Send" }).click();
  }

  beforeAll(async () => {
    await account("owner@example.com");
    await account("colleague@example.com");
    outsiderOrganization = (await platform.server.platform.tenancy.createOrganization("Elsewhere", "test"))
      .organization.id;
    await account("outsider@elsewhere.example", outsiderOrganization);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const size of sizes) {
    describe(`at ${size.name} size (${size.viewport.width}x${size.viewport.height})`, () => {
      let context: BrowserContext;
      let page: Page;
      let shareLink = "";

      afterAll(async () => {
        await context?.close();
      });

      it("[PLAT-1] signs in, and the empty chat, the drawer and the sign-in screen fit the screen", async () => {
        const anonymous = await browser.newContext({ viewport: size.viewport });
        const signIn = await anonymous.newPage();
        await signIn.goto(platform.server.url);
        await signIn.getByLabel("Email").waitFor();
        await checkScreen(signIn, `sign-in-${size.name}`);
        await anonymous.close();

        ({ context, page } = await signedIn("owner@example.com", size.viewport));
        await page.goto(platform.server.url);
        await page.getByLabel("Message", { exact: true }).waitFor();
        await checkScreen(page, `chat-empty-${size.name}`);
        if (size.name === "phone") {
          // The list is a drawer: closed, it is out of the way (and out of the tab order).
          expect(await page.getByRole("button", { name: "New chat" }).isVisible()).toBe(false);
          await openDrawerIfPhone(page, size.name);
          await checkScreen(page, `chat-drawer-${size.name}`);
          await page.keyboard.press("Escape");
          await page.getByRole("button", { name: "New chat" }).waitFor({ state: "hidden" });
        }
      }, 120_000);

      it("[PLAT-1] shows the question at once, lists the chat at once, renders Markdown and copies code", async () => {
        // A slow answer, so what shows before it ends can be seen.
        platform.upstream.behaviour = { kind: "slow-stream", chunks: 300, intervalMs: 150 };
        await send(page, "Plan a picnic for Saturday");
        await page
          .getByRole("article", { name: "Your message" })
          .getByText("Plan a picnic for Saturday")
          .waitFor();
        await page.getByRole("button", { name: "Stop" }).waitFor();
        await openDrawerIfPhone(page, size.name);
        await page
          .getByRole("navigation", { name: "Conversations" })
          .getByText("Plan a picnic for Saturday")
          .waitFor();
        if (size.name === "phone") await page.keyboard.press("Escape");
        // Esc stops the answer; what came so far is kept, marked as stopped.
        await page.locator(".message.streaming .plain-text").getByText("w1", { exact: false }).waitFor();
        await page.keyboard.press("Escape");
        await page.getByText("Stopped: this answer was cut short.").waitFor({ timeout: 30_000 });
        await page.getByRole("button", { name: "Send" }).waitFor();

        platform.upstream.behaviour = { kind: "echo" };
        await send(page, markdownQuestion);
        const answer = page.getByRole("article", { name: "Answer" }).last();
        await answer.locator("table").waitFor({ timeout: 60_000 });
        expect(await answer.locator("th").allInnerTexts()).toEqual(["Fruit", "Colour"]);
        expect(await answer.locator("blockquote").innerText()).toContain("a quote");
        expect(await answer.locator("li li").innerText()).toContain("nested item");
        expect(await answer.locator('input[type="checkbox"]').isChecked()).toBe(true);
        await answer.getByRole("button", { name: "Copy code" }).click();
        await answer.getByRole("button", { name: "Copied" }).waitFor();
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("const answer = 42;");
        await checkScreen(page, `chat-markdown-${size.name}`);
      }, 180_000);

      it("[PLAT-1] edits a sent message into a new branch and keeps both, and keeps regenerated versions", async () => {
        const question = page.getByRole("article", { name: "Your message" }).last();
        await question.getByRole("button", { name: "Edit" }).click();
        await page.getByLabel("Edit your message").fill("A shorter question");
        await page.getByRole("button", { name: "Save and send" }).click();
        const edited = page.getByRole("article", { name: "Your message" }).last();
        await edited.getByText("A shorter question").waitFor();
        await page
          .getByRole("article", { name: "Answer" })
          .last()
          .getByText("echo: A shorter question")
          .waitFor();
        await edited.getByText("2/2").waitFor();
        await edited.getByRole("button", { name: "Previous edit" }).click();
        await page.getByRole("article", { name: "Your message" }).last().getByText("1/2").waitFor();
        await page.getByRole("article", { name: "Answer" }).last().locator("table").waitFor();
        // Regenerate: the earlier answer stays as version 1 of 2.
        await page
          .getByRole("article", { name: "Answer" })
          .last()
          .getByRole("button", { name: "Regenerate" })
          .click();
        await page
          .getByRole("article", { name: "Answer" })
          .last()
          .getByText("2/2")
          .waitFor({ timeout: 60_000 });
        await checkScreen(page, `chat-branches-${size.name}`);
      }, 180_000);

      it("[PLAT-1] shows 429, 404 and 500 from the model in place of the answer, keeping the question; retry answers it", async () => {
        for (const status of [429, 404, 500]) {
          platform.upstream.behaviour = {
            kind: "status",
            status,
            body: { error: { message: `upstream says ${status}` } },
          };
          await send(page, `Question that meets a ${status}`);
          const failure = page.getByRole("alert").filter({ hasText: "No answer." });
          await failure.waitFor({ timeout: 60_000 });
          expect(await page.getByRole("article", { name: "Your message" }).last().innerText()).toContain(
            `Question that meets a ${status}`,
          );
          await checkScreen(page, `chat-error-${status}-${size.name}`);
          if (status === 500) {
            platform.upstream.behaviour = { kind: "echo" };
            await failure.getByRole("button", { name: "Retry" }).click();
            await page.getByText("echo: Question that meets a 500").waitFor({ timeout: 60_000 });
          } else {
            await failure.getByRole("button", { name: "Dismiss" }).click();
          }
        }
        // The network gone before the question is saved: it shows as not sent, and its text is back.
        await page.route("**/messages", (route) => route.abort("internetdisconnected"));
        await send(page, "Sent while offline");
        await page.getByText("Your message was not sent.").waitFor();
        expect(await page.getByLabel("Message", { exact: true }).inputValue()).toBe("Sent while offline");
        await checkScreen(page, `chat-error-network-${size.name}`);
        await page.unroute("**/messages");
        await page.getByRole("alert").getByRole("button", { name: "Retry" }).click();
        await page.getByText("echo: Sent while offline").waitFor({ timeout: 60_000 });
      }, 240_000);

      it("[CTL-2] [CTL-4] shares a conversation: a colleague reads it, another organisation gets 404", async () => {
        await page.getByRole("button", { name: "Conversation options" }).click();
        await page.getByRole("button", { name: "Share" }).click();
        const dialog = page.getByRole("dialog", { name: "Share this conversation" });
        await dialog.getByRole("button", { name: "Create link" }).click();
        const link = dialog.locator(".share-link");
        await link.waitFor();
        shareLink = await link.innerText();
        expect(shareLink).toMatch(/\/s\/shr_/);
        await checkScreen(page, `share-dialog-${size.name}`);
        await page.keyboard.press("Escape");

        const colleague = await signedIn("colleague@example.com", size.viewport);
        await colleague.page.goto(shareLink);
        await colleague.page.getByRole("heading", { name: "Plan a picnic for Saturday" }).waitFor();
        await colleague.page.getByText("echo: Sent while offline").waitFor();
        await checkScreen(colleague.page, `shared-${size.name}`);
        await colleague.context.close();

        const outsider = await signedIn("outsider@elsewhere.example", size.viewport, outsiderOrganization);
        await outsider.page.goto(shareLink);
        await outsider.page.getByRole("heading", { name: "Not available" }).waitFor();
        const id = shareLink.split("/s/")[1]!;
        expect(
          await outsider.page.evaluate(async (id) => (await fetch(`/api/shares/${id}`)).status, id),
        ).toBe(404);
        await checkScreen(outsider.page, `shared-outside-${size.name}`);
        await outsider.context.close();
      }, 180_000);

      it("[PLAT-1] renames and deletes inline, searches message content, and sets custom instructions", async () => {
        await openDrawerIfPhone(page, size.name);
        const list = page.getByRole("navigation", { name: "Conversations" });
        await list.getByRole("button", { name: "Options for Plan a picnic for Saturday" }).click();
        await list.getByRole("button", { name: "Rename" }).click();
        await page.getByLabel("New title for Plan a picnic for Saturday").fill("Picnic");
        await list.getByRole("button", { name: "Save" }).click();
        await list.getByRole("button", { name: "Picnic", exact: true }).waitFor();
        await page.getByLabel("Search conversations").fill("shorter question");
        // The words were found in a message, not the title: the excerpt shows where.
        await list.locator(".snippet").getByText("A shorter question").first().waitFor();
        await checkScreen(page, `chat-search-${size.name}`);
        await page.getByLabel("Search conversations").fill("");
        await page.getByRole("button", { name: "Custom instructions" }).click();
        const instructions = page.getByRole("dialog", { name: "Custom instructions" });
        await instructions.getByRole("textbox").fill("Answer briefly.");
        await checkScreen(page, `instructions-${size.name}`);
        await instructions.getByRole("button", { name: "Save" }).click();
        await instructions.waitFor({ state: "hidden" });
        await list.getByRole("button", { name: "Options for Picnic" }).click();
        await list.getByRole("button", { name: "Delete" }).click();
        await list
          .getByRole("group", { name: "Delete Picnic?" })
          .getByRole("button", { name: "Delete" })
          .click();
        await list.getByRole("button", { name: "Picnic", exact: true }).waitFor({ state: "detached" });
        // The shared link died with the conversation.
        const colleague = await signedIn("colleague@example.com", size.viewport);
        await colleague.page.goto(shareLink);
        await colleague.page.getByRole("heading", { name: "Not available" }).waitFor();
        await colleague.context.close();
      }, 180_000);

      it("[PLAT-1] every admin screen fits the screen, passes axe-core, and shows readable audit facts", async () => {
        const screens = [
          ["members", "Members"],
          ["groups", "Groups"],
          ["access", "Feature switches"],
          ["data", "Conversation retention"],
          ["sso", "Single sign-on"],
          ["scim", "Provisioning (SCIM)"],
          ["api", "API projects and keys"],
          ["fine-tuning", "Fine-tuning"],
          ["usage", "Usage"],
          ["audit", "Audit log"],
          ["transparency", "Access transparency"],
          ["compliance", "Compliance"],
        ] as const;
        for (const [path, heading] of screens) {
          await page.goto(`${platform.server.url}/admin/${path}`);
          await page.getByRole("heading", { name: heading, exact: true }).waitFor();
          await checkScreen(page, `admin-${path}-${size.name}`);
        }
        // Audit facts read as words, not one character per line.
        await page.goto(`${platform.server.url}/admin/audit`);
        const fact = page.locator(".fact-list dd").first();
        await fact.waitFor();
        expect((await fact.boundingBox())!.width).toBeGreaterThan(60);
        await page.goto(`${platform.server.url}/admin/usage`);
        await page.getByRole("img", { name: /Tokens per day/ }).waitFor();
        await page.getByRole("region", { name: "By user" }).waitFor();
        if (size.name === "phone") {
          await page.getByRole("button", { name: "Open admin menu" }).click();
          await page.getByRole("button", { name: "Audit log" }).click();
          await page.getByRole("heading", { name: "Audit log", exact: true }).waitFor();
        }
      }, 300_000);
    });
  }
});
