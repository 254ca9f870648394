// [CTL-1] [CTL-4] The account takeover a security review found (issue 16.1), tried end to end over
// real HTTP with real signed SAML responses: an admin makes a SCIM token, renames the owner through
// SCIM and signs in through the IdP with an unseen NameID and the owner's email. Each step must fail,
// and the legitimate paths beside them (an owner's token, a new user, an owner's explicit link) work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "../../test/helpers/browser-session.ts";
import { startSamlFixture, type SamlFixture } from "../../test/helpers/saml-fixture.ts";

const scimPatch = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const scimError = "urn:ietf:params:scim:api:messages:2.0:Error";

describe("[CTL-1] [CTL-4] account takeover through SCIM and email linking", () => {
  let fixture: SamlFixture;
  let owner: BrowserSession;
  let admin: BrowserSession;
  let ownerToken: string;

  beforeAll(async () => {
    fixture = await startSamlFixture();
    owner = await signInOwner(fixture.platform, { email: "owner@example.com" });
    admin = await signInOwner(fixture.platform, { email: "admin@example.com" });
    const promoted = await owner.fetch(`/api/admin/members/${admin.userId}/role`, {
      method: "PUT",
      body: JSON.stringify({ role: "admin" }),
    });
    expect(promoted.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await fixture?.close();
  });

  const scim = (path: string, init: RequestInit = {}, token = ownerToken) =>
    fetch(`${fixture.platform.server.url}/scim/v2${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body ? { "content-type": "application/scim+json" } : {}),
      },
    });
  const patchUser = (id: string, value: Record<string, unknown>) =>
    scim(`/Users/${id}`, {
      method: "PATCH",
      body: JSON.stringify({ schemas: [scimPatch], Operations: [{ op: "replace", value }] }),
    });

  /** An SP-initiated SAML sign-in; the session cookie when it succeeded. */
  async function samlSignIn(email: string, nameId: string) {
    const { requestId } = await fixture.startLogin();
    const response = await fixture.idp.respond(fixture.view, {
      email,
      inResponseTo: requestId,
      tags: { NameID: nameId },
    });
    const result = await fixture.postResponse(response);
    const cookie = result.cookies.find((candidate) => candidate.startsWith("custodian_session="));
    return { status: result.status, cookie: cookie?.split(";")[0] ?? null };
  }

  async function me(cookie: string): Promise<{ status: number; userId: string | null }> {
    const response = await fetch(`${fixture.platform.server.url}/api/session`, { headers: { cookie } });
    if (response.status !== 200) return { status: response.status, userId: null };
    return { status: 200, userId: ((await response.json()) as { user: { id: string } }).user.id };
  }

  async function lastFailure(): Promise<string | null> {
    const row = await fixture.platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["action", "metadata"])
      .where("action", "like", "sign_in.%")
      .orderBy("seq", "desc")
      .executeTakeFirst();
    return row?.action === "sign_in.failed" ? (JSON.parse(row.metadata) as { reason: string }).reason : null;
  }

  it("[CTL-1] an admin cannot create or revoke a SCIM token; the owner can", async () => {
    const refused = await admin.fetch("/api/admin/scim-tokens", { method: "POST" });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "owner_only" } });
    const listed = await owner.fetch("/api/admin/scim-tokens");
    expect(((await listed.json()) as { data: unknown[] }).data).toEqual([]);

    const created = await owner.fetch("/api/admin/scim-tokens", { method: "POST" });
    expect(created.status).toBe(201);
    const made = (await created.json()) as { id: string; token: string };
    ownerToken = made.token;
    expect((await scim("/Users")).status).toBe(200);
    const notRevoked = await admin.fetch(`/api/admin/scim-tokens/${made.id}`, { method: "DELETE" });
    expect(notRevoked.status).toBe(403);
    expect(await notRevoked.json()).toMatchObject({ error: { code: "owner_only" } });
    expect((await scim("/Users")).status).toBe(200);
  });

  it("[CTL-1] [CTL-4] SCIM cannot rename, deactivate or delete the owner, and answers in SCIM's error shape", async () => {
    const attempts = [
      await patchUser(owner.userId, { userName: "attacker@evil.example" }),
      await patchUser(owner.userId, { emails: [{ value: "attacker@evil.example", primary: true }] }),
      await patchUser(owner.userId, { active: false }),
      await scim(`/Users/${owner.userId}`, {
        method: "PUT",
        body: JSON.stringify({ userName: "attacker@evil.example", active: true }),
      }),
      await scim(`/Users/${owner.userId}`, { method: "DELETE" }),
    ];
    for (const [index, response] of attempts.entries()) {
      const body = (await response.json()) as unknown;
      expect([index, response.status, body]).toMatchObject([
        index,
        403,
        { schemas: [scimError], status: "403" },
      ]);
    }
    const { users } = fixture.platform.server.platform.identity;
    expect(await users.get(fixture.organization, owner.userId)).toMatchObject({
      email: "owner@example.com",
      status: "active",
    });
    expect((await owner.fetch("/api/session")).status).toBe(200);
    // Control: the same request renames someone who is not an owner.
    expect((await patchUser(admin.userId, { displayName: "Still allowed" })).status).toBe(200);
  });

  it("[CTL-1] a new userName ends the member's sessions at once", async () => {
    const signedIn = await samlSignIn("member@example.test", "member-name-id");
    expect(signedIn.status).toBe(303);
    const before = await me(signedIn.cookie!);
    expect(before.status).toBe(200);

    const renamed = await patchUser(before.userId!, { userName: "member-renamed@example.test" });
    expect(renamed.status).toBe(200);
    expect((await me(signedIn.cookie!)).status).toBe(401);
    // The member still signs in by the identity they are bound to, under the new address.
    const again = await samlSignIn("member-renamed@example.test", "member-name-id");
    expect((await me(again.cookie!)).userId).toBe(before.userId);
  });

  it("[CTL-1] [CTL-4] an unseen NameID carrying an existing user's email is not linked to that user", async () => {
    const { db } = fixture.platform.server.platform;
    const identitiesOf = (userId: string) =>
      db
        .selectFrom("user_external_ids")
        .select("provider")
        .where("user_id", "=", userId)
        .where("provider", "=", "saml")
        .execute();
    // The owner (who has a password) and the member (bound to another NameID) by their own emails.
    for (const email of ["owner@example.com", "member-renamed@example.test"]) {
      const before = await fixture.sessionCount();
      const attempt = await samlSignIn(email, `attacker-${email}`);
      expect(attempt.status).toBe(401);
      expect(attempt.cookie).toBeNull();
      expect(await fixture.sessionCount()).toBe(before);
      expect(await lastFailure()).toBe("identity_link_required");
    }
    expect(await identitiesOf(owner.userId)).toEqual([]);
    // Control: an unseen NameID with an email nobody holds makes a new user.
    const fresh = await samlSignIn("newcomer@example.test", "newcomer-name-id");
    expect(fresh.status).toBe(303);
    const newcomer = await me(fresh.cookie!);
    expect(newcomer.userId).not.toBe(owner.userId);
    expect(await identitiesOf(newcomer.userId!)).toEqual([{ provider: "saml" }]);
  });

  it("[CTL-1] an owner's explicit link binds a NameID to a user, audited; an admin's is refused", async () => {
    const body = JSON.stringify({ provider: "saml", external_id: "owner-name-id" });
    const path = `/api/admin/members/${owner.userId}/identities`;
    const refused = await admin.fetch(path, { method: "POST", body });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "owner_only" } });
    expect((await samlSignIn("owner@example.com", "owner-name-id")).status).toBe(401);

    const linked = await owner.fetch(path, { method: "POST", body });
    expect(linked.status).toBe(201);
    expect(await linked.json()).toMatchObject({ user: owner.userId, provider: "saml", replaced: false });
    const audit = await fixture.platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["actor", "target", "metadata"])
      .where("action", "=", "user.identity_linked")
      .execute();
    expect(audit.map((entry) => ({ ...entry, metadata: JSON.parse(entry.metadata) as unknown }))).toEqual([
      { actor: owner.userId, target: owner.userId, metadata: { provider: "saml", replaced: false } },
    ]);
    // Linking changes who can sign in as the owner: the owner's sessions end.
    expect((await owner.fetch("/api/session")).status).toBe(401);
    const signedIn = await samlSignIn("owner@example.com", "owner-name-id");
    expect(signedIn.status).toBe(303);
    expect((await me(signedIn.cookie!)).userId).toBe(owner.userId);

    // A bound identity never moves to another user, even by an explicit link.
    const { identityLinks } = fixture.platform.server.platform.identity;
    await expect(
      identityLinks.link({
        organizationId: fixture.organization,
        userId: admin.userId,
        provider: "saml",
        externalId: "owner-name-id",
        actor: "test",
      }),
    ).rejects.toMatchObject({ status: 409, code: "identity_already_linked" });
  });
});
