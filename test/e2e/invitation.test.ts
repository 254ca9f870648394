// From an invitation link to a first answer, in Chromium at a desktop size (1280x800) and a phone size
// (390x844): the owner signs in by email first (no organisation id), invites from the admin console,
// the invitee opens the link in a fresh browser, sets a password, is signed in and gets an answer.
// Every screen fits the width, axe-core finds no serious or critical violation, and screenshots go to
// test-artifacts/screens.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations, sidewaysOverflow } from "../helpers/axe.ts";
import { launchBrowser, screenshot } from "../helpers/browser.ts";
import { useTestPlatformWithUpstream } from "../helpers/platform.ts";

const password = "correct horse battery staple";
const sizes = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;

describe("invitation to first answer at desktop and phone sizes", () => {
  const platform = useTestPlatformWithUpstream();
  let browser: Browser;

  async function checkScreen(page: Page, name: string): Promise<void> {
    await page.waitForLoadState("networkidle");
    if ((await sidewaysOverflow(page)) > 0)
      console.error(
        name,
        await page.evaluate(() =>
          Array.from(document.querySelectorAll("*"))
            .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
            .map(
              (element) => `${element.tagName}.${element.className} ${element.getBoundingClientRect().right}`,
            )
            .slice(0, 15),
        ),
      );
    expect(await sidewaysOverflow(page), `${name} scrolls sideways`).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), `${name}: axe-core`).toEqual([]);
    await screenshot(page, name);
  }

  beforeAll(async () => {
    await platform.server.platform.identity.users.createLocalOwner({
      organizationId: platform.organization,
      email: "owner@example.com",
      displayName: "Olive Owner",
      password,
      actor: "test",
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const size of sizes) {
    it(`[PLAT-1] at ${size.name} size an invitee goes from the link to a first answer`, async () => {
      const ownerContext = await browser.newContext({ viewport: size.viewport });
      const owner = await ownerContext.newPage();
      await owner.goto(platform.server.url);
      await owner.getByLabel("Email").fill("owner@example.com");
      await owner.getByRole("button", { name: "Continue", exact: true }).click();
      await owner.getByLabel("Password").waitFor();
      await checkScreen(owner, `sign-in-password-${size.name}`);
      await owner.getByLabel("Password").fill(password);
      await owner.getByRole("button", { name: "Sign in", exact: true }).click();
      await owner.getByLabel("Message", { exact: true }).waitFor();

      await owner.goto(`${platform.server.url}/admin/members`);
      await owner.getByRole("heading", { name: "Pending invitations" }).waitFor();
      await owner.getByRole("button", { name: "Invite", exact: true }).click();
      const dialog = owner.getByRole("dialog", { name: "Invite someone" });
      const invitee = `new.${size.name}@example.com`;
      await dialog.getByLabel("Email").fill(invitee);
      await dialog.getByLabel("Role").selectOption("member");
      await dialog.getByRole("button", { name: "Create invitation" }).click();
      const linkField = dialog.getByRole("textbox", { name: "invitation link" });
      await linkField.waitFor();
      const link = await linkField.inputValue();
      expect(link).toMatch(/\/invite#[A-Za-z0-9]+$/);
      await checkScreen(owner, `admin-invite-dialog-${size.name}`);
      await dialog.getByRole("button", { name: "Done" }).click();
      await owner.getByRole("region", { name: "Pending invitations" }).getByText(invitee).waitFor();
      await checkScreen(owner, `admin-invitations-${size.name}`);

      const newcomerContext = await browser.newContext({ viewport: size.viewport });
      const newcomer = await newcomerContext.newPage();
      await newcomer.goto(link);
      await newcomer.getByRole("heading", { name: "Join your organisation" }).waitFor();
      await newcomer.getByText(invitee, { exact: false }).waitFor();
      // The token leaves the address bar once read.
      expect(new URL(newcomer.url()).hash).toBe("");
      await checkScreen(newcomer, `invitation-${size.name}`);
      await newcomer.getByLabel("Your name").fill(`Nia ${size.name}`);
      await newcomer.getByLabel("New password").fill("the newcomer's password");
      await newcomer.getByLabel("Repeat the password").fill("the newcomer's password");
      await newcomer.getByRole("button", { name: "Join and sign in" }).click();
      await newcomer.getByLabel("Message", { exact: true }).waitFor();
      await newcomer.getByLabel("Message", { exact: true }).fill("Hello from the newcomer");
      await newcomer.getByRole("button", { name: "Send" }).click();
      const answer = newcomer.getByRole("article", { name: "Answer" }).last();
      await answer.getByText("echo: Hello from the newcomer").waitFor({ timeout: 60_000 });
      await checkScreen(newcomer, `invitee-first-answer-${size.name}`);

      // The newcomer changes their password, from the conversation list (a drawer on phones).
      if (size.name === "phone") await newcomer.getByRole("button", { name: "Open conversations" }).click();
      await newcomer.getByRole("button", { name: "Change password" }).click();
      const change = newcomer.getByRole("dialog", { name: "Change password" });
      await change.getByLabel("Current password").fill("the newcomer's password");
      await change.getByLabel("New password (12 characters or more)").fill("the newcomer's second password");
      await change.getByLabel("Repeat the new password").fill("the newcomer's second password");
      await change.getByRole("button", { name: "Change password" }).click();
      await change.getByText("Password changed.").waitFor();
      await checkScreen(newcomer, `change-password-${size.name}`);

      // The invitation is used: the owner's list no longer shows it.
      await owner.reload();
      await owner.getByRole("heading", { name: "Pending invitations" }).waitFor();
      await owner.getByText("No pending invitations.").waitFor();
      await ownerContext.close();
      await newcomerContext.close();
    }, 240_000);
  }
});
