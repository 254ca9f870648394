// Browser sessions through the HTTP routes: the bootstrap owner's password sign-in, cookie flags,
// CSRF and origin checks, timeouts, revocation, and disabling password sign-in once SSO works.
import { randomBytes } from "node:crypto";
import fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { TestIdentityProvider } from "../../test/helpers/saml-identity-provider.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import { createIdentityServices, type IdentityServices } from "../identity/identity-services.ts";
import { bindOperations, type BoundOperations } from "../core/operation.ts";
import { identityOperations } from "../identity/identity-operations.ts";
import { TenancyService } from "../tenancy/tenancy-service.ts";
import { installErrorHandling } from "./error-handler.ts";
import { sessionRoutes } from "./session-routes.ts";

describe("browser sessions", () => {
  let database: TestDatabase;
  let identity: IdentityServices;
  let operations: BoundOperations<typeof identityOperations>;
  let organization: string;
  let app: FastifyInstance;
  let secureApp: FastifyInstance;
  let clock = Date.now();
  const host = "custodian.example.test";

  async function appFor(secureCookies: boolean): Promise<FastifyInstance> {
    const instance = fastify() as unknown as FastifyInstance;
    installErrorHandling(instance);
    await instance.register(sessionRoutes({ ...identity, secureCookies }));
    return instance;
  }

  beforeAll(async () => {
    database = await testDatabase();
    const keyring = new Keyring(database.db, randomBytes(32));
    const audit = new AuditLog(database.db, keyring, { checkpointEvery: 1000 });
    const tenancy = new TenancyService({ db: database.db, keyring, audit });
    organization = (await tenancy.createOrganization("Sessions test", "test")).organization.id;
    identity = createIdentityServices({ db: database.db, keyring, audit, now: () => clock });
    operations = bindOperations(identityOperations, { identity, tenancy }, { actor: "test" });
    app = await appFor(false);
    secureApp = await appFor(true);
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await secureApp?.close();
    await database?.close();
  });

  async function createOwner(email: string): Promise<string> {
    const created = (await operations.createOwner({ organization, email })) as { password: string };
    return created.password;
  }

  async function signIn(
    target: FastifyInstance,
    email: string,
    password: string,
    headers: Record<string, string> = {},
  ) {
    return target.inject({
      method: "POST",
      url: "/api/session",
      headers: { host, origin: `https://${host}`, ...headers },
      payload: { organization, email, password },
    });
  }

  function cookieHeader(setCookies: string | string[] | undefined): string {
    return ([] as string[])
      .concat(setCookies ?? [])
      .map((cookie) => cookie.split(";")[0]!)
      .join("; ");
  }

  async function auditActions(): Promise<Array<{ action: string; metadata: string }>> {
    return database.db.selectFrom("audit_entries").select(["action", "metadata"]).orderBy("seq").execute();
  }

  it("the bootstrap owner signs in with a password; the session cookie is HttpOnly and SameSite=Lax", async () => {
    const password = await createOwner("owner@example.test");
    const response = await signIn(app, "Owner@Example.test", password);
    expect(response.statusCode).toBe(200);
    const cookies = ([] as string[]).concat(response.headers["set-cookie"] ?? []);
    const session = cookies.find((cookie) => cookie.startsWith("custodian_session="))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).not.toMatch(/; Secure/);
    const csrf = cookies.find((cookie) => cookie.startsWith("custodian_csrf="))!;
    expect(csrf).not.toMatch(/HttpOnly/);
    const me = await app.inject({
      method: "GET",
      url: "/api/session",
      headers: { cookie: cookieHeader(cookies) },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { email: "owner@example.test" }, method: "password" });
    const roleRow = await database.db
      .selectFrom("memberships")
      .select("role")
      .where("organization_id", "=", organization)
      .executeTakeFirst();
    expect(roleRow?.role).toBe("owner");
  });

  it("over HTTPS the cookies are Secure and __Host- prefixed", async () => {
    const password = await createOwner("secure-owner@example.test");
    const response = await signIn(secureApp, "secure-owner@example.test", password);
    expect(response.statusCode).toBe(200);
    const cookies = ([] as string[]).concat(response.headers["set-cookie"] ?? []);
    expect(cookies.length).toBe(2);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/^__Host-custodian_/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; Path=\//);
    }
  });

  it("stores only a hash of the session token", async () => {
    const password = await createOwner("hash-check@example.test");
    const response = await signIn(app, "hash-check@example.test", password);
    const token = cookieHeader(response.headers["set-cookie"]).match(/custodian_session=([^;]+)/)![1]!;
    const rows = await database.db.selectFrom("sessions").selectAll().execute();
    const dump = JSON.stringify(rows.map((row) => ({ ...row, token_hash: row.token_hash.toString("hex") })));
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(Buffer.from(token).toString("hex"));
  });

  it("a wrong password, an unknown user and a cross-site login are refused, and failures are audited with a reason", async () => {
    const password = await createOwner("careful@example.test");
    expect((await signIn(app, "careful@example.test", `${password}x`)).statusCode).toBe(401);
    expect((await signIn(app, "nobody@example.test", password)).statusCode).toBe(401);
    const crossSite = await signIn(app, "careful@example.test", password, { origin: "https://evil.example" });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.headers["set-cookie"]).toBeUndefined();
    const failures = (await auditActions()).filter((entry) => entry.action === "sign_in.failed");
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(failures.at(-1)!.metadata)).toEqual({ method: "password", reason: "bad_credentials" });
    expect(JSON.stringify(await auditActions())).not.toContain(password);
  });

  it("signing out needs the session's CSRF token and a same-origin request; afterwards the session is dead", async () => {
    const password = await createOwner("leaver@example.test");
    const response = await signIn(app, "leaver@example.test", password);
    const cookie = cookieHeader(response.headers["set-cookie"]);
    const csrfToken = (response.json() as { csrf_token: string }).csrf_token;
    const signOut = (headers: Record<string, string>) =>
      app.inject({ method: "DELETE", url: "/api/session", headers: { host, cookie, ...headers } });
    expect((await signOut({})).statusCode).toBe(403);
    expect((await signOut({ "x-csrf-token": "forged" })).statusCode).toBe(403);
    expect((await signOut({ "x-csrf-token": csrfToken, origin: "https://evil.example" })).statusCode).toBe(
      403,
    );
    expect((await signOut({ "x-csrf-token": csrfToken, "sec-fetch-site": "cross-site" })).statusCode).toBe(
      403,
    );
    expect((await signOut({ "x-csrf-token": csrfToken, origin: `https://${host}` })).statusCode).toBe(204);
    expect((await app.inject({ method: "GET", url: "/api/session", headers: { cookie } })).statusCode).toBe(
      401,
    );
  });

  it("a session ends after the idle timeout and, however active, at the absolute timeout", async () => {
    const password = await createOwner("sleepy@example.test");
    const cookie = cookieHeader((await signIn(app, "sleepy@example.test", password)).headers["set-cookie"]);
    const me = () => app.inject({ method: "GET", url: "/api/session", headers: { cookie } });
    const start = clock;
    try {
      // Active every 20 minutes: the idle timeout (30 min) never strikes...
      for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
        clock = start + minutes * 60_000;
        expect((await me()).statusCode).toBe(200);
      }
      // ...but the absolute timeout (12 h) does.
      clock = start + 12 * 60 * 60_000 + 1;
      expect((await me()).statusCode).toBe(401);

      clock = start;
      const idle = cookieHeader((await signIn(app, "sleepy@example.test", password)).headers["set-cookie"]);
      clock = start + 31 * 60_000;
      expect(
        (await app.inject({ method: "GET", url: "/api/session", headers: { cookie: idle } })).statusCode,
      ).toBe(401);
    } finally {
      clock = start;
    }
  });

  it("disabling a user ends their sessions at once", async () => {
    const password = await createOwner("disabled@example.test");
    const response = await signIn(app, "disabled@example.test", password);
    const cookie = cookieHeader(response.headers["set-cookie"]);
    const user = (response.json() as { user: { id: string } }).user.id;
    await identity.users.setStatus(organization, user, "disabled", "test");
    expect((await app.inject({ method: "GET", url: "/api/session", headers: { cookie } })).statusCode).toBe(
      401,
    );
    expect((await signIn(app, "disabled@example.test", password)).statusCode).toBe(401);
  });

  it("[CTL-1] password sign-in can be disabled only once SSO is configured, and then ends password sessions", async () => {
    const password = await createOwner("last-owner@example.test");
    const cookie = cookieHeader(
      (await signIn(app, "last-owner@example.test", password)).headers["set-cookie"],
    );
    await expect(operations.disableLocalSignIn({ organization })).rejects.toMatchObject({
      code: "sso_required",
    });
    const idp = await TestIdentityProvider.create();
    await operations.setSamlConnection({
      organization,
      metadata: idp.metadataXml(),
      base_url: `https://${host}`,
    });
    const result = (await operations.disableLocalSignIn({ organization })) as {
      users: number;
      sessions_revoked: number;
    };
    expect(result.users).toBeGreaterThanOrEqual(1);
    expect(result.sessions_revoked).toBeGreaterThanOrEqual(1);
    expect((await app.inject({ method: "GET", url: "/api/session", headers: { cookie } })).statusCode).toBe(
      401,
    );
    expect((await signIn(app, "last-owner@example.test", password)).statusCode).toBe(401);
    const actions = (await auditActions()).map((entry) => entry.action);
    expect(actions).toContain("sso.saml.created");
    expect(actions).toContain("user.password_disabled");
  });
});
