// The web app end to end in a real browser (Debian's Chromium): a member signs in through the test
// SAML IdP (found from their email's verified domain), chats with the demo model and watches the
// answer stream, deletes a conversation; the bootstrap owner signs in with a password and walks the
// admin console (a SCIM token shown once, a group's switch, access transparency); the member answers
// a staff-access request; the trust page lists every commitment.
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot } from "../helpers/browser.ts";
import { demoModelEnv } from "../helpers/demo-model.ts";
import { startSamlFixture, type SamlFixture } from "../helpers/saml-fixture.ts";

const password = "correct horse battery staple";
const idpOrigin = "https://idp.example.test";

describe("chat workspace in the browser", () => {
  let fixture: SamlFixture;
  let browser: Browser;
  let page: Page;
  let owner: Page;

  beforeAll(async () => {
    fixture = await startSamlFixture({ platform: { env: await demoModelEnv() } });
    // Members at example.com are sent to the organisation's SAML sign-in from their email.
    const { domains } = fixture.platform.server.platform.identity;
    await domains.claim(fixture.organization, "example.com", "test");
    await domains.markVerified(fixture.organization, "example.com", "the test's own domain", "test");
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // The test IdP answers in the browser: it reads the SP's signed AuthnRequest and posts back a
    // signed response, as a real IdP's login page would after the user signs in there.
    await page.route(`${idpOrigin}/**`, async (route) => {
      const request = await fixture.idp.receiveRequest(fixture.spMetadata, route.request().url());
      const response = await fixture.idp.respond(fixture.view, {
        email: "mia.member@example.com",
        name: "Mia Member",
        inResponseTo: request.id,
      });
      const field = (name: string, value: string) =>
        `<input type="hidden" name="${name}" value="${value.replace(/"/g, "&quot;")}">`;
      await route.fulfill({
        contentType: "text/html",
        body:
          `<form method="post" action="${fixture.view.acsUrl}">` +
          `${field("SAMLResponse", response)}${field("RelayState", request.relayState)}</form>` +
          `<script>document.forms[0].submit()</script>`,
      });
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it("[CTL-1] a member's verified email domain sends them to SAML single sign-on", async () => {
    await page.goto(fixture.platform.server.url);
    await page.getByLabel("Email").fill("mia.member@example.com");
    await screenshot(page, "sign-in");
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    await page.getByRole("button", { name: "Continue with single sign-on" }).click();
    await page.getByRole("button", { name: "New chat" }).waitFor();
    // The name and the model list load after the shell: wait for them rather than reading at once.
    await page.getByText("Mia Member").waitFor();
    await expect
      .poll(() => page.getByLabel("Model").inputValue(), { timeout: 30_000 })
      .toBe("custodian-demo");
  });

  it("[PLAT-1] chats with the demo model: the answer streams in and is saved", async () => {
    await page.getByLabel("Message", { exact: true }).fill("Hello! What can you do?");
    await page.getByRole("button", { name: "Send" }).click();
    // While it streams, Stop replaces Send; then the saved answer and the conversation in the list.
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor({ timeout: 60_000 });
    await page.locator(".message.assistant .markdown").last().waitFor();
    await page.waitForLoadState("networkidle");
    const answer = await page.locator(".message.assistant .bubble").last().innerText();
    expect(answer.trim().length).toBeGreaterThan(0);
    await page
      .getByRole("navigation", { name: "Conversations" })
      .getByText("Hello! What can you do?")
      .waitFor();
    expect(page.url()).toMatch(/\/c\/conv_/);
    await screenshot(page, "chat");
    // Reloaded from the server, the answer is the same: it was stored (encrypted) and read back.
    await page.reload();
    await page.locator(".message.assistant .bubble").last().waitFor();
    await page.waitForLoadState("networkidle");
    expect(await page.locator(".message.assistant .bubble").last().innerText()).toBe(answer);
  });

  it("[OWN-2] exports the member's conversations as a download", async () => {
    const downloaded = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export my data" }).click();
    const file = await downloaded;
    expect(file.suggestedFilename()).toBe("custodian-conversations.json");
    const exported = JSON.parse(readFileSync((await file.path())!, "utf8")) as {
      conversations: Array<{ title: string; messages: unknown[] }>;
    };
    expect(exported.conversations.map((conversation) => conversation.title)).toContain(
      "Hello! What can you do?",
    );
  });

  it("[OWN-4] deletes a conversation after stating it becomes unreadable at once", async () => {
    // Confirmed in place, not in a browser dialog.
    let browserDialog = false;
    page.once("dialog", (dialog) => {
      browserDialog = true;
      void dialog.dismiss();
    });
    await page.getByRole("button", { name: "Conversation options" }).click();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const confirm = page.getByRole("group", { name: "Delete this conversation?" });
    expect(await confirm.innerText()).toContain("unreadable at once");
    await confirm.getByRole("button", { name: "Delete" }).click();
    await page.getByText("No conversations yet.").waitFor();
    expect(browserDialog).toBe(false);
    expect(page.url()).toBe(`${fixture.platform.server.url}/`);
  });

  it("[PLAT-1] the bootstrap owner signs in with a password", async () => {
    await fixture.platform.server.platform.identity.users.createLocalOwner({
      organizationId: fixture.organization,
      email: "owner@example.com",
      displayName: "Olive Owner",
      password,
      actor: "test",
    });
    owner = await (await browser.newContext()).newPage();
    await owner.goto(fixture.platform.server.url);
    await owner.getByLabel("Email").fill("owner@example.com");
    await owner.getByRole("button", { name: "Continue", exact: true }).click();
    await owner.getByLabel("Password").fill(password);
    await owner.getByRole("button", { name: "Sign in", exact: true }).click();
    await owner.getByText("Olive Owner").waitFor();
    await owner.getByRole("link", { name: "Admin" }).waitFor();
  });

  it("[CTL-2] an admin switches a model off and the member's screen changes", async () => {
    await owner.getByRole("link", { name: "Admin" }).click();
    await owner.getByRole("heading", { name: "Members" }).waitFor();
    await owner.getByText("mia.member@example.com").waitFor();
    await screenshot(owner, "admin-members");
    await owner.getByRole("button", { name: "Access", exact: true }).click();
    const allowed = owner.getByRole("checkbox", { name: "custodian-demo" });
    await allowed.waitFor();
    expect(await allowed.isChecked()).toBe(true);
    await allowed.uncheck();
    await owner.getByText("0 allowed.").waitFor();
    await screenshot(owner, "admin-access");

    await page.goto(fixture.platform.server.url);
    await page.getByPlaceholder("No models are available to you.").waitFor();
    expect(await page.getByLabel("Model").locator("option").count()).toBe(0);

    await allowed.check();
    await owner.getByText("1 allowed.").waitFor();
    await page.reload();
    await page.getByPlaceholder("Message Custodian…").waitFor();
  });

  it("[CTL-1] an admin creates a SCIM token, shown once, that provisions a group", async () => {
    await owner.getByRole("button", { name: "Provisioning (SCIM)" }).click();
    await owner.getByRole("button", { name: "Create token" }).click();
    const shown = owner.getByTestId("scim-token").locator("code");
    await shown.waitFor();
    const token = await shown.innerText();
    expect(token).toMatch(/^scim-cust-/);
    await screenshot(owner, "admin-scim");
    // The identity provider's calls, with that token: find the member, make a group with them in it.
    const scim = (path: string, init: RequestInit = {}) =>
      fetch(`${fixture.platform.server.url}/scim/v2${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
      });
    const users = (await (
      await scim(`/Users?filter=${encodeURIComponent('userName eq "mia.member@example.com"')}`)
    ).json()) as {
      Resources: Array<{ id: string }>;
    };
    const created = await scim("/Groups", {
      method: "POST",
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: "Designers",
        members: [{ value: users.Resources[0]!.id }],
      }),
    });
    expect(created.status).toBe(201);
    // Shown once: after a reload the token is listed by its id only.
    await owner.reload();
    await owner.getByRole("heading", { name: "Provisioning (SCIM)" }).waitFor();
    await owner.getByRole("button", { name: "Revoke" }).waitFor();
    expect(await owner.content()).not.toContain(token);
  });

  it("[CTL-2] an admin turns export off for a group and its member loses export", async () => {
    const exportStatus = () => page.evaluate(async () => (await fetch("/api/export")).status);
    expect(await exportStatus()).toBe(200);
    await owner.getByRole("button", { name: "Groups" }).click();
    const group = owner.getByRole("article", { name: "Group Designers" });
    await group.getByText("mia.member@example.com").waitFor();
    const reloaded = () =>
      owner.waitForResponse((response) => response.url().endsWith("/api/admin/switches"));
    let switched = reloaded();
    await group.getByLabel("Export").selectOption("off");
    await switched;
    await screenshot(owner, "admin-groups");
    expect(await exportStatus()).toBe(403);
    switched = reloaded();
    await group.getByLabel("Export").selectOption("unset");
    await switched;
    expect(await exportStatus()).toBe(200);
  });

  it("[SEC-3] a member refuses a staff-access request, and the admin sees it in access transparency", async () => {
    const { oversight, identity } = fixture.platform.server.platform;
    const operator = await oversight.operators.create("sam.support", "test");
    const mia = (
      await identity.users.listMembers(
        fixture.organization,
        (await identity.users.defaultWorkspace(fixture.organization)).id,
      )
    ).find((member) => member.email === "mia.member@example.com")!;
    await oversight.grants.request({
      operatorId: operator.id,
      organizationId: fixture.organization,
      reason: "user-consent",
      reference: "TICKET-4711",
      justification: "Mia asked us to recover a lost answer",
      userId: mia.id,
    });
    await page.reload();
    const request = page.getByRole("article", { name: "Access request" });
    await request.getByText("TICKET-4711").waitFor();
    // A member has no admin console to go to.
    expect(await page.getByRole("link", { name: "Admin" }).count()).toBe(0);
    await screenshot(page, "access-request");
    await request.getByRole("button", { name: "Refuse" }).click();
    await request.waitFor({ state: "detached" });

    await owner.getByRole("button", { name: "Access transparency" }).click();
    const row = owner.getByRole("row").filter({ hasText: "TICKET-4711" });
    await row.waitFor();
    expect(await row.innerText()).toContain("denied");
    await screenshot(owner, "admin-transparency");
  });

  it("[PLAT-1] every admin screen renders (screenshots for review)", async () => {
    const screens = [
      ["Members", "Members"],
      ["Data retention", "Conversation retention"],
      ["Single sign-on", "Single sign-on"],
      ["API keys", "API projects and keys"],
      ["Usage", "Usage"],
      ["Audit log", "Audit log"],
      ["Fine-tuning", "Fine-tuning"],
    ] as const;
    for (const [button, heading] of screens) {
      await owner.getByRole("button", { name: button, exact: true }).click();
      await owner.getByRole("heading", { name: heading, exact: true }).waitFor();
      await owner.waitForLoadState("networkidle");
      await screenshot(owner, `admin-${button.toLowerCase().replace(/[^a-z]+/g, "-")}`);
    }
    // The single sign-on screen shows the SAML connection and the verified domain.
    await owner.getByRole("button", { name: "Single sign-on", exact: true }).click();
    await owner.getByRole("cell", { name: "example.com" }).waitFor();
  });

  it("[PLAT-2] shows the trust page with every commitment", async () => {
    await page.goto(`${fixture.platform.server.url}/trust`);
    await page.getByRole("heading", { name: "Trust" }).waitFor();
    // Its card, not the first text that mentions it (a test title, inside a collapsed list of proofs).
    await page.locator("#SEC-1 .commitment-id").waitFor();
    expect(await page.locator(".commitment").count()).toBeGreaterThanOrEqual(10);
    await screenshot(page, "trust");
  });
});
