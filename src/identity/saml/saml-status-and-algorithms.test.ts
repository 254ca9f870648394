// [CTL-1] Issue 16.4, with real signed responses: a response whose top-level status is not Success
// never signs in, even with a properly signed assertion; RSA-SHA1 signatures and SHA-1 digests are
// refused unless an admin allows them for the one connection, which the console shows and every such
// sign-in logs (without naming the user).
import { XMLSerializer } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "../../../test/helpers/browser-session.ts";
import { startSamlFixture, type SamlFixture } from "../../../test/helpers/saml-fixture.ts";
import { decode, encode, first, ns, removeOwnSignature } from "../../../test/helpers/saml-tamper.ts";
import { adminOperations } from "../../platform/operations.ts";

const rsaSha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const rsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";
const sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";

describe("[CTL-1] SAML status and signature algorithms", () => {
  let fixture: SamlFixture;
  let owner: BrowserSession;

  beforeAll(async () => {
    fixture = await startSamlFixture();
    owner = await signInOwner(fixture.platform, { email: "owner@example.com" });
  }, 120_000);
  afterAll(async () => {
    await fixture?.close();
  });

  async function genuine(email: string, tags: Record<string, string> = {}): Promise<string> {
    const { requestId } = await fixture.startLogin();
    return fixture.idp.respond(fixture.view, { email, inResponseTo: requestId, tags });
  }

  /** Sign the element the XPath names with the IdP's own key, the signature placed after its Issuer. */
  function sign(xml: string, path: string, signatureAlgorithm: string, digestAlgorithm: string): string {
    const { privateKey, certificate } = fixture.idp.keys;
    const signer = new SignedXml({
      privateKey,
      publicCert: certificate,
      signatureAlgorithm,
      canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
    });
    signer.addReference({
      xpath: path,
      transforms: [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
      ],
      digestAlgorithm,
    });
    signer.computeSignature(xml, {
      prefix: "ds",
      location: { reference: `${path}/*[local-name(.)='Issuer']`, action: "after" },
    });
    return signer.getSignedXml();
  }

  /** A genuine response re-signed by the genuine IdP key with the algorithms given (assertion, then response). */
  async function resigned(email: string, signatureAlgorithm: string, digestAlgorithm: string) {
    const document = decode(await genuine(email));
    removeOwnSignature(document.documentElement!);
    removeOwnSignature(first(document, ns.assertion, "Assertion"));
    const assertionPath = "/*[local-name(.)='Response']/*[local-name(.)='Assertion']";
    let xml = new XMLSerializer().serializeToString(document);
    xml = sign(xml, assertionPath, signatureAlgorithm, digestAlgorithm);
    xml = sign(xml, "/*[local-name(.)='Response']", signatureAlgorithm, digestAlgorithm);
    return encode(xml);
  }

  async function lastSignIn(): Promise<{ action: string; reason: string | null }> {
    const row = await fixture.platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["action", "metadata"])
      .where("action", "like", "sign_in.%")
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    return {
      action: row.action,
      reason: (JSON.parse(row.metadata) as { reason?: string }).reason ?? null,
    };
  }

  async function expectRefused(samlResponse: string, reason: string): Promise<void> {
    const before = await fixture.sessionCount();
    const result = await fixture.postResponse(samlResponse);
    expect(result.status).toBe(401);
    expect(result.cookies).toEqual([]);
    expect(await fixture.sessionCount()).toBe(before);
    expect(await lastSignIn()).toEqual({ action: "sign_in.failed", reason });
  }

  async function allowSha1(allow: boolean) {
    return (await adminOperations(fixture.platform.server.platform, "test").setSamlConnection({
      organization: fixture.organization,
      metadata: fixture.idp.metadataXml(),
      base_url: fixture.platform.server.url,
      allow_sha1: allow,
    })) as { allow_sha1: boolean };
  }

  it("[CTL-1] refuses a Responder status even though the response and its assertion are properly signed", async () => {
    const responder = "urn:oasis:names:tc:SAML:2.0:status:Responder";
    const refused = await genuine("status@example.test", { StatusCode: responder });
    expect(Buffer.from(refused, "base64").toString("utf8")).toContain(`Value="${responder}"`);
    await expectRefused(refused, "idp_error_status");
    // Control: the same response with Success signs in.
    expect((await fixture.postResponse(await genuine("status@example.test"))).status).toBe(303);
  });

  it("[CTL-1] refuses RSA-SHA1 signatures and SHA-1 digests by default; SHA-256 re-signed the same way passes", async () => {
    expect((await allowSha1(false)).allow_sha1).toBe(false);
    await expectRefused(await resigned("sha1@example.test", rsaSha1, sha1), "sha1_signature_refused");
    await expectRefused(await resigned("sha1@example.test", rsaSha256, sha1), "sha1_digest_refused");
    await expectRefused(await resigned("sha1@example.test", rsaSha1, sha256), "sha1_signature_refused");
    // Control: the re-signing itself is sound.
    const control = await fixture.postResponse(await resigned("sha256@example.test", rsaSha256, sha256));
    expect(control.status).toBe(303);
  });

  it("[CTL-1] accepts SHA-1 only where an admin allows it for the connection, shows it, and logs each use", async () => {
    const console = async () =>
      ((await (await owner.fetch("/api/admin/sso")).json()) as { saml: { allow_sha1: boolean } }).saml;
    expect(await console()).toMatchObject({ allow_sha1: false });
    expect((await allowSha1(true)).allow_sha1).toBe(true);
    expect(await console()).toMatchObject({ allow_sha1: true });

    const logsBefore = fixture.platform.logs().length;
    const accepted = await fixture.postResponse(await resigned("legacy@example.test", rsaSha1, sha1));
    expect(accepted.status).toBe(303);
    expect(await lastSignIn()).toEqual({ action: "sign_in.succeeded", reason: null });
    const logged = fixture.platform.logs().slice(logsBefore);
    expect(logged).toContain("SAML sign-in accepted a SHA-1 signature");
    expect(logged).not.toContain("legacy@example.test");
    // A SHA-256 sign-in on the same connection is not logged as SHA-1.
    const strongBefore = fixture.platform.logs().length;
    expect((await fixture.postResponse(await genuine("legacy@example.test"))).status).toBe(303);
    expect(fixture.platform.logs().slice(strongBefore)).not.toContain("SHA-1");

    // Turned off again, the same kind of response is refused.
    expect((await allowSha1(false)).allow_sha1).toBe(false);
    await expectRefused(await resigned("legacy@example.test", rsaSha1, sha1), "sha1_signature_refused");
  });
});
