// People without an identity provider: invitations by one-time link (expiring, single use, revocable,
// within the inviter's own role), password resets by admins (never an owner's but by an owner), a
// member's own password change ending their other sessions, sign-in by email alone, 409 on duplicates,
// and every step in the audit log with no token or password in it.
import { beforeAll, describe, expect, it } from "vitest";
import { adminOperations } from "../src/platform/operations.ts";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { invite, redeem, signInByEmail, tokenOf } from "./helpers/invitation-flow.ts";
import { useTestPlatform } from "./helpers/platform.ts";

const password = "a long enough password 1";

describe("invitations, resets and passwords", () => {
  const platform = useTestPlatform({ env: { CUSTODIAN_INVITATION_TTL_HOURS: "48" } });
  let owner: BrowserSession;
  let admin: BrowserSession;
  /** Every token and password the tests handle, to look for in the audit log afterwards. */
  const secrets: string[] = [password];

  beforeAll(async () => {
    owner = await signInOwner(platform, { email: "owner@people.example" });
    admin = await signInOwner(platform, { email: "admin@people.example" });
    const response = await owner.fetch(`/api/admin/members/${admin.userId}/role`, {
      method: "PUT",
      body: JSON.stringify({ role: "admin" }),
    });
    expect(response.status).toBe(200);
  });

  it("an invitation link signs the invitee in with the role chosen, and works once", async () => {
    const { status, issued } = await invite(admin, "Auditor@People.example", "auditor");
    expect(status).toBe(201);
    secrets.push(issued!.token);
    // The token rides in the fragment of a link to the web app's page.
    expect(issued!.url).toMatch(/\/invite#[A-Za-z0-9]{40,}$/);
    const preview = await fetch(`${platform.server.url}/api/links/preview`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: issued!.token }),
    });
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({
      purpose: "invite",
      email: "auditor@people.example",
      role: "auditor",
    });

    const { response, browser } = await redeem(platform, issued!.token, password);
    expect(response.status, await response.clone().text()).toBe(200);
    const me = (await (await browser.fetch("/api/admin/me")).json()) as { roles: string[] };
    expect(me.roles).toEqual(["auditor"]);

    // Single use: a second browser with the same link gets nothing, and the invitation is no longer pending.
    const again = await redeem(platform, issued!.token, "another long password");
    expect(again.response.status).toBe(404);
    expect(((await again.response.json()) as { error: { code: string } }).error.code).toBe("link_invalid");
    const pending = (await (await admin.fetch("/api/admin/invitations")).json()) as {
      data: Array<{ id: string }>;
    };
    expect(pending.data.map((item) => item.id)).not.toContain(issued!.id);

    // The new member signs in by email alone, with no organisation to name.
    const signedIn = await signInByEmail(platform, "auditor@people.example", password);
    expect(signedIn.response.status).toBe(200);
  });

  it("a link lasts the configured time, and not a moment more", async () => {
    const { issued } = await invite(admin, "late@people.example");
    secrets.push(issued!.token);
    const hours = (Date.parse(issued!.expires_at) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(47.9);
    expect(hours).toBeLessThanOrEqual(48);
    const preview = () =>
      fetch(`${platform.server.url}/api/links/preview`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: issued!.token }),
      });
    // Positive control: the link works until it expires.
    expect((await preview()).status).toBe(200);
    await platform.server.platform.db
      .updateTable("account_links")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", issued!.id)
      .execute();
    expect((await preview()).status).toBe(404);
    expect((await redeem(platform, issued!.token, password)).response.status).toBe(404);
  });

  it("a revoked invitation leaves the list and its link stops working", async () => {
    const { issued } = await invite(admin, "revoked@people.example");
    secrets.push(issued!.token);
    const listed = (await (await admin.fetch("/api/admin/invitations")).json()) as {
      data: Array<{ id: string; email: string }>;
    };
    expect(listed.data.find((item) => item.id === issued!.id)?.email).toBe("revoked@people.example");
    const revoke = await admin.fetch(`/api/admin/invitations/${issued!.id}`, { method: "DELETE" });
    expect(revoke.status).toBe(204);
    const after = (await (await admin.fetch("/api/admin/invitations")).json()) as {
      data: Array<{ id: string }>;
    };
    expect(after.data.map((item) => item.id)).not.toContain(issued!.id);
    expect((await redeem(platform, issued!.token, password)).response.status).toBe(404);
  });

  it("[CTL-2] nobody invites with a role above their own; members cannot invite at all", async () => {
    expect((await invite(admin, "would-be-owner@people.example", "owner")).status).toBe(403);
    const reviewer = await invite(admin, "reviewer@people.example", "abuse-reviewer");
    expect(reviewer.status).toBe(403);
    expect((reviewer.body as { error: { code: string } }).error.code).toBe("role_above_yours");
    // Positive controls: an admin invites an admin; an owner invites an owner.
    const peer = await invite(admin, "peer-admin@people.example", "admin");
    expect(peer.status).toBe(201);
    secrets.push(peer.issued!.token);
    const coOwner = await invite(owner, "co-owner@people.example", "owner");
    expect(coOwner.status).toBe(201);
    secrets.push(coOwner.issued!.token);

    const joined = await redeem(platform, peer.issued!.token, password);
    expect(joined.response.status).toBe(200);
    const member = await invite(owner, "plain-member@people.example", "member");
    const memberJoined = await redeem(platform, member.issued!.token, password);
    secrets.push(member.issued!.token);
    const refused = await memberJoined.browser.fetch("/api/admin/invitations", {
      method: "POST",
      body: JSON.stringify({ email: "friend@people.example", role: "member", send_email: false }),
    });
    expect(refused.status).toBe(403);
  });

  it("duplicates answer 409 with a clear message: a member's email, a pending invitation, a second owner", async () => {
    const member = await invite(owner, "owner@people.example");
    expect(member.status).toBe(409);
    expect(member.body).toMatchObject({ error: { code: "already_member" } });
    expect(String((member.body as { error: { message: string } }).error.message)).toMatch(/already a member/);
    const first = await invite(owner, "twice@people.example");
    expect(first.status).toBe(201);
    secrets.push(first.issued!.token);
    expect((await invite(owner, "twice@people.example")).status).toBe(409);

    const operations = adminOperations(platform.server.platform);
    const created = await operations.createOwner({
      organization: platform.organization,
      email: "boot@people.example",
    });
    secrets.push(created.password);
    const twice = await operations
      .createOwner({ organization: platform.organization, email: "boot@people.example" })
      .then(
        () => null,
        (error: unknown) => error as { status: number; code: string; message: string },
      );
    expect(twice?.status).toBe(409);
    expect(twice?.message).toMatch(/already exists/);
  });

  it("an admin resets a member's password by one-time link; the member's sessions end; never an owner's", async () => {
    const { issued } = await invite(owner, "forgetful@people.example");
    const joined = await redeem(platform, issued!.token, password);
    secrets.push(issued!.token);
    const { user } = (await joined.response.json()) as { user: { id: string } };
    const reset = await admin.fetch(`/api/admin/members/${user.id}/password-reset`, {
      method: "POST",
      body: JSON.stringify({ send_email: false }),
    });
    expect(reset.status).toBe(201);
    const { url } = (await reset.json()) as { url: string };
    expect(url).toMatch(/\/reset-password#/);
    secrets.push(tokenOf(url));
    const fresh = "a brand new password 2";
    secrets.push(fresh);
    const used = await redeem(platform, tokenOf(url), fresh);
    expect(used.response.status).toBe(200);
    // The session from before the reset has ended; the old password no longer works; the new one does.
    expect((await joined.browser.fetch("/api/session")).status).toBe(401);
    expect((await used.browser.fetch("/api/session")).status).toBe(200);
    expect((await signInByEmail(platform, "forgetful@people.example", password)).response.status).toBe(401);
    expect((await signInByEmail(platform, "forgetful@people.example", fresh)).response.status).toBe(200);
    expect((await redeem(platform, tokenOf(url), "yet another password")).response.status).toBe(404);

    // The owner's password is out of an admin's reach, and within an owner's.
    const onOwner = await admin.fetch(`/api/admin/members/${owner.userId}/password-reset`, {
      method: "POST",
      body: JSON.stringify({ send_email: false }),
    });
    expect(onOwner.status).toBe(403);
    const byOwner = await owner.fetch(`/api/admin/members/${owner.userId}/password-reset`, {
      method: "POST",
      body: JSON.stringify({ send_email: false }),
    });
    expect(byOwner.status).toBe(201);
    secrets.push(tokenOf(((await byOwner.json()) as { url: string }).url));
  });

  it("a member changes their own password with the current one; their other sessions end", async () => {
    const { issued } = await invite(owner, "changer@people.example");
    secrets.push(issued!.token);
    const first = await redeem(platform, issued!.token, password);
    const second = await signInByEmail(platform, "changer@people.example", password);
    expect((await second.browser.fetch("/api/session")).status).toBe(200);
    const next = "the changed password 3";
    secrets.push(next);
    const wrong = await first.browser.fetch("/api/session/password", {
      method: "PUT",
      body: JSON.stringify({ current_password: "not the password at all", new_password: next }),
    });
    expect(wrong.status).toBe(403);
    const changed = await first.browser.fetch("/api/session/password", {
      method: "PUT",
      body: JSON.stringify({ current_password: password, new_password: next }),
    });
    expect(changed.status, await changed.clone().text()).toBe(200);
    expect(await changed.json()).toMatchObject({ other_sessions_ended: 1 });
    expect((await first.browser.fetch("/api/session")).status).toBe(200);
    expect((await second.browser.fetch("/api/session")).status).toBe(401);
    expect((await signInByEmail(platform, "changer@people.example", next)).response.status).toBe(200);
  });

  it("sign-in by email finds the organisation, offers a choice by name when several match, and says nothing of unknown emails", async () => {
    const operations = adminOperations(platform.server.platform);
    const other = await operations.createOrganization({ name: "Second Company" });
    await signInOwner(platform, {
      email: "both@people.example",
      password,
      organization: platform.organization,
    });
    await signInOwner(platform, { email: "both@people.example", password, organization: other.id });
    const choice = await signInByEmail(platform, "both@people.example", password);
    expect(choice.response.status).toBe(200);
    const body = (await choice.response.json()) as {
      choose_organization: Array<{ id: string; name: string }>;
    };
    expect(body.choose_organization.map((item) => item.name)).toContain("Second Company");
    expect(choice.response.headers.getSetCookie()).toEqual([]);
    const chosen = await signInByEmail(platform, "both@people.example", password, other.id);
    expect(chosen.response.status).toBe(200);
    expect(((await chosen.response.json()) as { organization: string }).organization).toBe(other.id);

    // Each organisation's password sign-in saw the wrong guess (its audit, and its throttling).
    const guessed = await signInByEmail(platform, "both@people.example", "a wrong guess entirely");
    expect(guessed.response.status).toBe(401);
    for (const organizationId of [platform.organization, other.id]) {
      const failed = await platform.server.platform.audit.list(organizationId, { action: "sign_in.failed" });
      expect(failed.length, organizationId).toBeGreaterThan(0);
    }

    // An unknown email and a wrong password get the same answer.
    const unknown = await signInByEmail(platform, "nobody@people.example", password);
    const wrong = await signInByEmail(platform, "owner@people.example", "not the right password");
    expect(unknown.response.status).toBe(401);
    expect(await unknown.response.json()).toEqual(await wrong.response.json());
  });

  it("an address whose domain enforces SSO is neither invited nor reset, and signs in only through SSO, known or not", async () => {
    const { domains } = platform.server.platform.identity;
    await domains.claim(platform.organization, "sso-only.example", "test");
    await domains.markVerified(platform.organization, "sso-only.example", "the test's own domain", "test");
    const joined = await redeem(
      platform,
      (await invite(owner, "early@sso-only.example")).issued!.token,
      password,
    );
    const { user } = (await joined.response.json()) as { user: { id: string } };
    // Positive control: before SSO is enforced, the password works.
    expect((await signInByEmail(platform, "early@sso-only.example", password)).response.status).toBe(200);
    await platform.server.platform.db
      .updateTable("email_domains")
      .set({ enforce_sso: true })
      .where("domain", "=", "sso-only.example")
      .execute();
    const invited = await invite(owner, "later@sso-only.example");
    expect(invited.status).toBe(409);
    expect(invited.body).toMatchObject({ error: { code: "sso_enforced" } });
    const reset = await owner.fetch(`/api/admin/members/${user.id}/password-reset`, {
      method: "POST",
      body: JSON.stringify({ send_email: false }),
    });
    expect(reset.status).toBe(409);
    const known = await signInByEmail(platform, "early@sso-only.example", password);
    const unknown = await signInByEmail(platform, "nobody@sso-only.example", password);
    expect(known.response.status).toBe(403);
    expect(await known.response.json()).toEqual(await unknown.response.json());
  });

  it("[SEC-4] every step is an audit event, and no audit entry holds a token or a password", async () => {
    const entries = await platform.server.platform.audit.entries({
      organizationId: platform.organization,
      limit: 10_000,
    });
    const actions = new Set(entries.map((entry) => entry.action));
    for (const action of [
      "invitation.created",
      "invitation.accepted",
      "invitation.revoked",
      "user.created",
      "password_reset.created",
      "password_reset.completed",
      "password.changed",
      "password.change_failed",
    ])
      expect(actions, action).toContain(action);
    const text = JSON.stringify(entries);
    // Positive control: the search finds what the log does hold (an invitation's id).
    const invitationEntry = entries.find((entry) => entry.action === "invitation.created")!;
    expect(text).toContain(String(invitationEntry.target));
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(text.includes(secret), "a secret in the audit log").toBe(false);
    expect(platform.logs()).not.toContain(secrets[1]);
  });
});
