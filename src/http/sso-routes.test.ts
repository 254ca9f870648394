// SAML single sign-on end to end: a samlify IdP, the real server over real HTTP, and the sessions,
// users and audit entries that follow from it.
import { randomBytes } from "node:crypto";
import fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { TestIdentityProvider } from "../../test/helpers/saml-identity-provider.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import { createIdentityServices, type IdentityServices } from "../identity/identity-services.ts";
import { bindOperations } from "../core/operation.ts";
import { identityOperations } from "../identity/identity-operations.ts";
import { TenancyService } from "../tenancy/tenancy-service.ts";
import { installErrorHandling } from "./error-handler.ts";
import { ssoRoutes } from "./sso-routes.ts";
import { startSamlFixture, type SamlFixture } from "../../test/helpers/saml-fixture.ts";
import { ns } from "../../test/helpers/saml-tamper.ts";
import { DOMParser } from "@xmldom/xmldom";
import { toPem } from "../identity/saml/identity-provider-metadata.ts";

describe("SAML single sign-on", () => {
  let fixture: SamlFixture;
  beforeAll(async () => {
    fixture = await startSamlFixture();
  }, 180_000);
  afterAll(async () => {
    await fixture?.close();
  });

  function sessionCookie(cookies: string[]): string {
    const cookie = cookies.find((candidate) => candidate.startsWith("custodian_session="));
    if (!cookie) throw new Error("No session cookie.");
    return cookie;
  }

  async function me(cookie: string) {
    return fetch(`${fixture.platform.server.url}/api/session`, {
      headers: { cookie: cookie.split(";")[0]! },
    });
  }

  async function auditEntries(action: string) {
    return fixture.platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["actor", "target", "metadata"])
      .where("action", "=", action)
      .orderBy("seq")
      .execute();
  }

  it("[CTL-1] publishes SP metadata: entity id, POST ACS URL, signed assertions wanted, signing and encryption keys", async () => {
    const document = new DOMParser().parseFromString(fixture.spMetadata, "text/xml");
    const root = document.documentElement!;
    expect(root.getAttribute("entityID")).toBe(fixture.view.entityId);
    const descriptor = root.getElementsByTagNameNS(
      "urn:oasis:names:tc:SAML:2.0:metadata",
      "SPSSODescriptor",
    )[0]!;
    expect(descriptor.getAttribute("WantAssertionsSigned")).toBe("true");
    expect(descriptor.getAttribute("AuthnRequestsSigned")).toBe("true");
    const acs = descriptor.getElementsByTagNameNS(
      "urn:oasis:names:tc:SAML:2.0:metadata",
      "AssertionConsumerService",
    )[0]!;
    expect(acs.getAttribute("Location")).toBe(fixture.view.acsUrl);
    expect(acs.getAttribute("Binding")).toBe("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
    const uses = Array.from(
      descriptor.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:metadata", "KeyDescriptor"),
    ).map((key) => key.getAttribute("use"));
    expect(uses).toEqual(expect.arrayContaining(["signing", "encryption"]));
  });

  it("[CTL-1] signs in through an SP-initiated SAML login and provisions the user just in time as a member", async () => {
    const { requestId, relayState } = await fixture.startLogin("/chat");
    expect(relayState).toBe("/chat");
    const response = await fixture.idp.respond(fixture.view, {
      email: "Ada@Example.test",
      name: "Ada Lovelace",
      inResponseTo: requestId,
    });
    const result = await fixture.postResponse(response, relayState);
    expect(result.status).toBe(303);
    expect(result.location).toBe("/chat");
    const session = sessionCookie(result.cookies);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    const current = await me(session);
    expect(current.status).toBe(200);
    const body = (await current.json()) as { user: { id: string } };
    expect(body).toMatchObject({
      user: { email: "ada@example.test", display_name: "Ada Lovelace" },
      organization: fixture.organization,
      method: "saml",
    });
    const { users } = fixture.platform.server.platform.identity;
    const workspace = await users.defaultWorkspace(fixture.organization);
    expect(await users.roleIn(fixture.organization, workspace.id, body.user.id)).toBe("member");

    const succeeded = await auditEntries("sign_in.succeeded");
    expect(JSON.parse(succeeded.at(-1)!.metadata)).toEqual({ method: "saml", provisioned: true });
    expect(succeeded.at(-1)!.actor).toBe(body.user.id);
    expect((await auditEntries("user.provisioned")).map((entry) => entry.target)).toContain(body.user.id);
  });

  it("[CTL-1] a second sign-in finds the same user instead of making another", async () => {
    const first = await fixture.startLogin();
    const one = await fixture.postResponse(
      await fixture.idp.respond(fixture.view, { email: "grace@example.test", inResponseTo: first.requestId }),
    );
    const second = await fixture.startLogin();
    const two = await fixture.postResponse(
      await fixture.idp.respond(fixture.view, {
        email: "grace@example.test",
        inResponseTo: second.requestId,
      }),
    );
    const idOne = ((await (await me(sessionCookie(one.cookies))).json()) as { user: { id: string } }).user.id;
    const idTwo = ((await (await me(sessionCookie(two.cookies))).json()) as { user: { id: string } }).user.id;
    expect(idTwo).toBe(idOne);
    expect(JSON.parse((await auditEntries("sign_in.succeeded")).at(-1)!.metadata)).toMatchObject({
      provisioned: false,
    });
  });

  it("[CTL-1] accepts an assertion encrypted to the SP's own key (the control for the bad-key attack)", async () => {
    const document = new DOMParser().parseFromString(fixture.spMetadata, "text/xml");
    const encryptionKey = Array.from(
      document.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:metadata", "KeyDescriptor"),
    ).find((key) => key.getAttribute("use") === "encryption")!;
    const certificate = toPem(
      encryptionKey.getElementsByTagNameNS(ns.signature, "X509Certificate")[0]!.textContent ?? "",
    );
    const { requestId } = await fixture.startLogin();
    const response = await fixture.idp.respond(
      { ...fixture.view, encryptTo: certificate },
      { email: "hedy@example.test", inResponseTo: requestId },
    );
    expect(Buffer.from(response, "base64").toString("utf8")).toContain("EncryptedAssertion");
    const result = await fixture.postResponse(response);
    expect(result.status).toBe(303);
    expect(await (await me(sessionCookie(result.cookies))).json()).toMatchObject({
      user: { email: "hedy@example.test" },
    });
  });

  it("sends the browser only to local paths after sign-in, whatever the RelayState says", async () => {
    for (const target of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "/\t/evil.example",
    ]) {
      const { requestId } = await fixture.startLogin();
      const response = await fixture.idp.respond(fixture.view, {
        email: "relay@example.test",
        inResponseTo: requestId,
      });
      const result = await fixture.postResponse(response, target);
      expect(result.status).toBe(303);
      expect(result.location).toBe("/");
    }
  });

  it("[CTL-1] audits the SSO configuration and never records a SAML response in the audit log or the logs", async () => {
    const configured = await auditEntries("sso.saml.created");
    expect(configured.length).toBe(1);
    expect(JSON.parse(configured[0]!.metadata)).toMatchObject({
      idp_entity_id: fixture.idp.entityId,
      idp_certificates: 1,
      idp_initiated: false,
    });
    const all = await fixture.platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["metadata"])
      .execute();
    const text = JSON.stringify(all) + fixture.platform.logs();
    expect(text).not.toMatch(/Assertion|SAMLResponse|BEGIN CERTIFICATE|PRIVATE KEY/);
  });

  it("answers 404 for the metadata and login of an organisation without a SAML connection", async () => {
    const base = fixture.platform.server.url;
    expect((await fetch(`${base}/sso/saml/org_doesnotexist/metadata`)).status).toBe(404);
    expect((await fetch(`${base}/sso/saml/org_doesnotexist/login`, { redirect: "manual" })).status).toBe(404);
  });
});

describe("SAML single sign-on over HTTPS (secure cookies, browser-bound logins)", () => {
  let database: TestDatabase;
  let identity: IdentityServices;
  let app: FastifyInstance;
  let idp: TestIdentityProvider;
  let organization: string;
  let view: { entityId: string; acsUrl: string };
  let spMetadata: string;
  const host = "custodian.example.test";

  beforeAll(async () => {
    database = await testDatabase();
    const keyring = new Keyring(database.db, randomBytes(32));
    const audit = new AuditLog(database.db, keyring, { checkpointEvery: 1000 });
    const tenancy = new TenancyService({ db: database.db, keyring, audit });
    organization = (await tenancy.createOrganization("Secure SSO", "test")).organization.id;
    identity = createIdentityServices({ db: database.db, keyring, audit });
    idp = await TestIdentityProvider.create();
    const operations = bindOperations(identityOperations, { identity, tenancy }, { actor: "test" });
    const configured = (await operations.setSamlConnection({
      organization,
      metadata: idp.metadataXml(),
      base_url: `https://${host}`,
    })) as { sp_entity_id: string; acs_url: string };
    view = { entityId: configured.sp_entity_id, acsUrl: configured.acs_url };
    app = fastify() as unknown as FastifyInstance;
    installErrorHandling(app);
    await app.register(ssoRoutes({ saml: identity.samlLogin, secureCookies: true }));
    spMetadata = (await app.inject({ method: "GET", url: `/sso/saml/${organization}/metadata` })).body;
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  async function start(): Promise<{ requestId: string; browserCookie: string }> {
    const started = await app.inject({
      method: "GET",
      url: `/sso/saml/${organization}/login`,
      headers: { host },
    });
    expect(started.statusCode).toBe(302);
    const setCookie = String(started.headers["set-cookie"]);
    expect(setCookie).toMatch(
      /^__Host-custodian_saml=[A-Za-z0-9]+; Path=\/; Max-Age=600; SameSite=None; HttpOnly; Secure$/,
    );
    const { id } = await idp.receiveRequest(spMetadata, String(started.headers.location));
    return { requestId: id, browserCookie: setCookie.split(";")[0]! };
  }

  async function post(samlResponse: string, cookie?: string) {
    return app.inject({
      method: "POST",
      url: `/sso/saml/${organization}/acs`,
      headers: { host, "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
      payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
    });
  }

  it("[CTL-1] the browser that started the login gets __Host- Secure session cookies", async () => {
    const { requestId, browserCookie } = await start();
    const response = await idp.respond(view, { email: "secure@example.test", inResponseTo: requestId });
    const result = await post(response, browserCookie);
    expect(result.statusCode).toBe(303);
    const cookies = ([] as string[]).concat(result.headers["set-cookie"] ?? []);
    const session = cookies.find((cookie) => cookie.startsWith("__Host-custodian_session="));
    expect(session).toMatch(/; SameSite=Lax; HttpOnly; Secure$/);
  });

  it("[CTL-1] a response carried to another browser does not sign that browser in (login CSRF)", async () => {
    const { requestId, browserCookie } = await start();
    const response = await idp.respond(view, { email: "attacker@example.test", inResponseTo: requestId });
    const stranger = await start();
    for (const cookie of [undefined, stranger.browserCookie]) {
      const result = await post(response, cookie);
      expect(result.statusCode).toBe(401);
      const cookies = ([] as string[]).concat(result.headers["set-cookie"] ?? []);
      expect(cookies.some((value) => value.startsWith("__Host-custodian_session="))).toBe(false);
    }
    const reasons = await database.db
      .selectFrom("audit_entries")
      .select("metadata")
      .where("action", "=", "sign_in.failed")
      .execute();
    expect(reasons.map((row) => (JSON.parse(row.metadata) as { reason: string }).reason)).toEqual([
      "browser_mismatch",
      "browser_mismatch",
    ]);
    // The browser that started it still can.
    expect((await post(response, browserCookie)).statusCode).toBe(303);
  });
});
