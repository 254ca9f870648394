// OIDC single sign-on end to end: a real OpenID provider (oidc-provider) on 127.0.0.1, the real
// server over HTTP, a browser-like client that follows redirects with cookies; then email-domain
// routing and enforced SSO on the same server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenIdProvider, type TestOpenIdProvider } from "../../test/helpers/oidc-identity-provider.ts";
import { useTestPlatform } from "../../test/helpers/platform.ts";
import { RedirectBrowser } from "../../test/helpers/redirect-browser.ts";
import { DomainRoutingService } from "../identity/domain-routing-service.ts";
import { adminOperations } from "../platform/operations.ts";

describe("OIDC sign-in and domain routing", () => {
  const platform = useTestPlatform();
  let provider: TestOpenIdProvider;
  let organization: string;
  let origin: string;
  const secret = () => provider.clientSecret;

  beforeAll(async () => {
    organization = platform.organization;
    origin = platform.server.url;
    provider = await startOpenIdProvider([`${origin}/sso/oidc/${organization}/callback`]);
    await adminOperations(platform.server.platform, "test").setOidcConnection({
      organization,
      base_url: origin,
      issuer: provider.issuer,
      client_id: provider.clientId,
      client_secret: secret(),
    });
  }, 180_000);
  afterAll(async () => {
    await provider?.close();
  });

  async function auditEntries(action: string) {
    const rows = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["actor", "target", "metadata", "organization_id"])
      .where("action", "=", action)
      .orderBy("seq")
      .execute();
    return rows.map((row) => ({ ...row, metadata: JSON.parse(row.metadata) as Record<string, unknown> }));
  }

  /** Start a login in `browser` and sign in at the provider; the callback URL it is sent back to. */
  async function signInAtProvider(browser: RedirectBrowser, account: string): Promise<string> {
    const callback = `${origin}/sso/oidc/${organization}/callback`;
    const step = await browser.navigate(
      `${origin}/sso/oidc/${organization}/login?return_to=/chat`,
      { login: account, password: "anything" },
      callback,
    );
    expect(step.location?.startsWith(callback)).toBe(true);
    return step.location!;
  }

  it("[CTL-1] signs in with the authorization code flow and PKCE, and provisions the user just in time", async () => {
    provider.accounts.set("ada-sub", { email: "Ada@oidc.example.test", email_verified: true, name: "Ada L" });
    const browser = new RedirectBrowser();
    const callback = await signInAtProvider(browser, "ada-sub");
    const authorize = new URL(browser.history[0]!.location!);
    expect(authorize.origin).toBe(provider.issuer);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get("nonce")).toBeTruthy();
    expect(authorize.searchParams.get("state")).toBe(new URL(callback).searchParams.get("state"));

    const done = await browser.request(callback);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${origin}/chat`);
    const me = await fetch(`${origin}/api/session`, {
      headers: { cookie: browser.cookieHeader(new URL(origin)) },
    });
    expect(me.status).toBe(200);
    const session = (await me.json()) as { user: { email: string; display_name: string }; method: string };
    expect(session).toMatchObject({
      user: { email: "ada@oidc.example.test", display_name: "Ada L" },
      method: "oidc",
    });
    const provisioned = await auditEntries("user.provisioned");
    expect(provisioned.at(-1)?.metadata).toMatchObject({ source: "oidc", role: "member" });
    const signIns = await auditEntries("sign_in.succeeded");
    expect(signIns.at(-1)?.metadata).toEqual({ method: "oidc", provisioned: true });

    // Second sign-in: the same user, linked by issuer and subject.
    const again = new RedirectBrowser();
    expect((await again.request(await signInAtProvider(again, "ada-sub"))).status).toBe(303);
    expect((await auditEntries("sign_in.succeeded")).at(-1)?.metadata).toEqual({
      method: "oidc",
      provisioned: false,
    });
  });

  it("[CTL-1] keeps the client secret sealed and the pending login server-side, never in plaintext", async () => {
    const { db } = platform.server.platform;
    const row = await db
      .selectFrom("oidc_connections")
      .select("client_secret")
      .where("organization_id", "=", organization)
      .executeTakeFirstOrThrow();
    expect(row.client_secret.includes(Buffer.from(secret()))).toBe(false);
    const browser = new RedirectBrowser();
    await browser.request(`${origin}/sso/oidc/${organization}/login`);
    const pending = await db.selectFrom("oidc_requests").selectAll().execute();
    expect(pending.length).toBeGreaterThan(0);
    expect(JSON.stringify(await auditEntries("sso.oidc.created"))).not.toContain(secret());
  });

  it("[CTL-1] refuses a callback in another browser (login CSRF) and a replayed state, with audited reasons", async () => {
    provider.accounts.set("eve-sub", { email: "eve@oidc.example.test", email_verified: true });
    const attacker = new RedirectBrowser();
    const callback = await signInAtProvider(attacker, "eve-sub");
    const victim = new RedirectBrowser();
    await victim.request(`${origin}/sso/oidc/${organization}/login`);
    const stolen = await victim.request(callback);
    expect(stolen.status).toBe(401);
    expect(stolen.setCookies.some((cookie) => cookie.startsWith("custodian_session="))).toBe(false);
    const cookieless = await new RedirectBrowser().request(callback);
    expect(cookieless.status).toBe(401);
    // The refusals did not use the login up: the browser that started it still finishes it, once.
    expect((await attacker.request(callback)).status).toBe(303);
    const replay = await attacker.request(callback);
    expect(replay.status).toBe(401);
    const reasons = (await auditEntries("sign_in.failed"))
      .filter((entry) => entry.metadata.method === "oidc")
      .map((entry) => entry.metadata.reason);
    expect(reasons.slice(-3)).toEqual(["browser_mismatch", "browser_missing", "state_unknown"]);
  });

  it("[CTL-1] refuses an identity whose email the provider marks unverified", async () => {
    provider.accounts.set("mallory-sub", { email: "mallory@oidc.example.test", email_verified: false });
    const browser = new RedirectBrowser();
    const result = await browser.request(await signInAtProvider(browser, "mallory-sub"));
    expect(result.status).toBe(401);
    expect((await auditEntries("sign_in.failed")).at(-1)?.metadata).toEqual({
      method: "oidc",
      reason: "email_unverified",
    });
  });

  it("[CTL-1] routes a verified email domain to its organisation's SSO and enforces SSO for it", async () => {
    const operations = adminOperations(platform.server.platform, "test");
    const discover = async (email: string) => {
      const response = await fetch(`${origin}/api/sso/discover`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    const passwordSignIn = (email: string) =>
      fetch(`${origin}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json", origin },
        body: JSON.stringify({ organization, email, password: "correct horse battery staple" }),
      });
    const { users } = platform.server.platform.identity;
    for (const email of ["boss@acme.example.test", "guest@other.example.test"]) {
      await users.createLocalOwner({
        organizationId: organization,
        email,
        password: "correct horse battery staple",
        actor: "test",
      });
    }

    const claimed = (await operations.claimDomain({ organization, domain: "ACME.example.test" })) as {
      verified: boolean;
      txt_record: { name: string; value: string };
    };
    expect(claimed.verified).toBe(false);
    expect(claimed.txt_record.name).toBe("_custodian-verification.acme.example.test");
    expect(await discover("boss@acme.example.test")).toEqual({ sso: false, enforced: false });
    // No DNS here: the token cannot be found, and enforcing an unverified domain is refused.
    await expect(
      operations.verifyDomain({ organization, domain: "acme.example.test" }),
    ).rejects.toMatchObject({
      code: "domain_token_not_found",
    });
    await expect(
      operations.enforceDomainSso({ organization, domain: "acme.example.test", enforce: true }),
    ).rejects.toMatchObject({ code: "domain_not_verified" });

    await operations.verifyDomain({
      organization,
      domain: "acme.example.test",
      reason: "Ticket 42: registrar record checked by the operator",
    });
    const verified = await auditEntries("sso.domain.verified");
    expect(verified.at(-1)?.metadata).toEqual({
      method: "manual",
      reason: "Ticket 42: registrar record checked by the operator",
    });
    expect(await discover("Boss@ACME.example.test")).toEqual({
      sso: true,
      organization,
      protocol: "oidc",
      login_url: `/sso/oidc/${organization}/login`,
      enforced: false,
    });
    expect((await passwordSignIn("boss@acme.example.test")).status).toBe(200);

    await operations.enforceDomainSso({ organization, domain: "acme.example.test", enforce: true });
    const refused = await passwordSignIn("boss@acme.example.test");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("sso_enforced");
    expect((await auditEntries("sign_in.failed")).at(-1)?.metadata).toEqual({
      method: "password",
      reason: "sso_enforced",
    });
    expect((await discover("boss@acme.example.test")).enforced).toBe(true);
    // Other domains keep their password sign-in.
    expect((await passwordSignIn("guest@other.example.test")).status).toBe(200);
    expect((await auditEntries("sso.domain.enforced")).length).toBe(1);
  });

  it("[CTL-1] verifies a domain by its published token, and lets only one organisation hold it", async () => {
    const { db, audit, tenancy } = platform.server.platform;
    const published = new Map<string, string>();
    const domains = new DomainRoutingService({
      db,
      audit,
      check: { hasToken: async (domain, token) => published.get(domain) === token },
      ssoProtocol: async () => null,
    });
    const claimed = await domains.claim(organization, "beta.example.test", "test");
    const token = claimed.record.value.split("=")[1]!;
    await expect(domains.verify(organization, "beta.example.test", "test")).rejects.toMatchObject({
      code: "domain_token_not_found",
    });
    published.set("beta.example.test", token);
    expect((await domains.verify(organization, "beta.example.test", "test")).verificationMethod).toBe(
      "token",
    );

    const { organization: other } = await tenancy.createOrganization("Other", "test");
    const theirs = await domains.claim(other.id, "beta.example.test", "test");
    published.set("beta.example.test", theirs.record.value.split("=")[1]!);
    await expect(domains.verify(other.id, "beta.example.test", "test")).rejects.toMatchObject({
      code: "domain_verified_elsewhere",
    });
    expect((await domains.route("x@beta.example.test"))?.organizationId).toBe(organization);
  });
});
