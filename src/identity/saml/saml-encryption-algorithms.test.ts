// [CTL-1] Encrypted assertions, with real responses from samlify encrypting to the SP's own certificate:
// RSA-OAEP key transport with AES content encryption signs in; RSA PKCS#1 v1.5 key transport (open to
// Bleichenbacher padding oracles) and Triple DES content are refused before anything is decrypted,
// the way a bad signature is: 401, no session, an audited reason, a log line without the assertion.
import { constants, createDecipheriv, privateDecrypt } from "node:crypto";
import type { Document, Element } from "@xmldom/xmldom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSamlFixture, type SamlFixture } from "../../../test/helpers/saml-fixture.ts";
import { decode } from "../../../test/helpers/saml-tamper.ts";
import { SamlRejection } from "../identity-errors.ts";
import { checkEncryptionAlgorithms } from "./saml-encryption-algorithms.ts";
import { parseStrictXml } from "./saml-xml.ts";

const rsaOaep = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const rsa15 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
const aes256Cbc = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
const aes128Gcm = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
const tripleDes = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc";
const xenc = "http://www.w3.org/2001/04/xmlenc#";

/** The Algorithm of the EncryptionMethod directly under each element of this local name. */
function algorithms(document: Document, localName: "EncryptedKey" | "EncryptedData"): string[] {
  return Array.from(document.getElementsByTagNameNS(xenc, localName)).flatMap((element) =>
    Array.from(element.getElementsByTagNameNS(xenc, "EncryptionMethod"))
      .filter((method) => method.parentNode === element)
      .map((method) => method.getAttribute("Algorithm") ?? ""),
  );
}

/**
 * Decrypt an encrypted assertion by hand with the SP's private key and the padding its EncryptedKey
 * names: proof that a refused response is a genuine, readable encryption, refused by rule alone.
 */
function decryptByHand(document: Document, privateKey: string, padding: number, cipher: string): string {
  // CipherData/CipherValue, under the EncryptedKey (the wrapped key) or the EncryptedData (the content).
  const cipherValue = (owner: string) =>
    Array.from(document.getElementsByTagNameNS(xenc, "CipherValue")).find(
      (value) => (value.parentNode?.parentNode as Element | null)?.localName === owner,
    );
  const wrappedKey = cipherValue("EncryptedKey");
  const content = cipherValue("EncryptedData");
  const key = privateDecrypt(
    { key: privateKey, padding },
    Buffer.from(wrappedKey!.textContent ?? "", "base64"),
  );
  const bytes = Buffer.from(content!.textContent ?? "", "base64");
  const ivLength = cipher === "des-ede3-cbc" ? 8 : 16;
  const decipher = createDecipheriv(cipher, key, bytes.subarray(0, ivLength));
  return Buffer.concat([decipher.update(bytes.subarray(ivLength)), decipher.final()]).toString("utf8");
}

describe("[CTL-1] SAML encryption algorithms", () => {
  let fixture: SamlFixture;
  let sp: { certificate: string; privateKey: string };

  beforeAll(async () => {
    fixture = await startSamlFixture();
    const connection = await fixture.platform.server.platform.identity.samlConnections.get(
      fixture.organization,
    );
    sp = { certificate: connection.spCertificate, privateKey: connection.spPrivateKey };
  }, 120_000);
  afterAll(async () => {
    await fixture?.close();
  });

  /** A genuine response to a fresh login, its assertion encrypted to the SP with these algorithms. */
  async function encrypted(
    email: string,
    keyTransport?: string,
    contentEncryption?: string,
  ): Promise<string> {
    const { requestId } = await fixture.startLogin();
    return fixture.idp.respond(
      {
        ...fixture.view,
        encryptTo: sp.certificate,
        ...(keyTransport ? { keyTransport } : {}),
        ...(contentEncryption ? { contentEncryption } : {}),
      },
      { email, inResponseTo: requestId },
    );
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

  async function expectSignedIn(samlResponse: string): Promise<void> {
    const result = await fixture.postResponse(samlResponse);
    expect(result.status).toBe(303);
    expect(result.cookies.length).toBeGreaterThan(0);
    expect(await lastSignIn()).toEqual({ action: "sign_in.succeeded", reason: null });
  }

  async function expectRefused(samlResponse: string, reason: string, email: string): Promise<void> {
    const sessionsBefore = await fixture.sessionCount();
    const logsBefore = fixture.platform.logs().length;
    const result = await fixture.postResponse(samlResponse);
    expect(result.status).toBe(401);
    expect(result.cookies).toEqual([]);
    expect(await fixture.sessionCount()).toBe(sessionsBefore);
    expect(await lastSignIn()).toEqual({ action: "sign_in.failed", reason });
    const logged = fixture.platform.logs().slice(logsBefore);
    expect(logged).toContain("SAML response rejected");
    expect(logged).toContain(reason);
    expect(logged).not.toContain(email);
  }

  it("[CTL-1] the SP's metadata offers RSA-OAEP key transport and the AES modes it decrypts, nothing else", () => {
    const metadata = parseStrictXml(fixture.spMetadata);
    const md = "urn:oasis:names:tc:SAML:2.0:metadata";
    const encryption = Array.from(metadata.getElementsByTagNameNS(md, "KeyDescriptor")).filter(
      (descriptor) => descriptor.getAttribute("use") === "encryption",
    );
    expect(encryption).toHaveLength(1);
    const offered = Array.from(encryption[0]!.getElementsByTagNameNS(md, "EncryptionMethod")).map((method) =>
      method.getAttribute("Algorithm"),
    );
    expect(offered).toEqual([
      rsaOaep,
      "http://www.w3.org/2009/xmlenc11#aes256-gcm",
      aes128Gcm,
      aes256Cbc,
      "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    ]);
  });

  it("[CTL-1] signs in with an assertion encrypted by RSA-OAEP, with AES-256-CBC and with AES-128-GCM", async () => {
    const cbc = await encrypted("oaep-cbc@example.test");
    const document = decode(cbc);
    expect(algorithms(document, "EncryptedKey")).toEqual([rsaOaep]);
    expect(algorithms(document, "EncryptedData")).toEqual([aes256Cbc]);
    expect(
      document.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:assertion", "Assertion"),
    ).toHaveLength(0);
    await expectSignedIn(cbc);

    const gcm = await encrypted("oaep-gcm@example.test", rsaOaep, aes128Gcm);
    expect(algorithms(decode(gcm), "EncryptedData")).toEqual([aes128Gcm]);
    await expectSignedIn(gcm);
  });

  it("[CTL-1] refuses RSA PKCS#1 v1.5 key transport (rsa-1_5), though the encryption is genuine and the response properly signed", async () => {
    const email = "rsa15@example.test";
    const response = await encrypted(email, rsa15);
    const document = decode(response);
    expect(algorithms(document, "EncryptedKey")).toEqual([rsa15]);
    // Control: the assertion really is readable with PKCS#1 v1.5 and the SP's key.
    const plaintext = decryptByHand(document, sp.privateKey, constants.RSA_PKCS1_PADDING, "aes-256-cbc");
    expect(plaintext).toContain(`>${email}<`);
    expect(plaintext).toMatch(/^<saml:Assertion /);

    await expectRefused(response, "key_transport_algorithm_refused", email);
  });

  it("[CTL-1] refuses Triple DES content encryption, though the key is wrapped with RSA-OAEP", async () => {
    const email = "3des@example.test";
    const response = await encrypted(email, rsaOaep, tripleDes);
    const document = decode(response);
    expect(algorithms(document, "EncryptedData")).toEqual([tripleDes]);
    const plaintext = decryptByHand(
      document,
      sp.privateKey,
      constants.RSA_PKCS1_OAEP_PADDING,
      "des-ede3-cbc",
    );
    expect(plaintext).toContain(`>${email}<`);

    await expectRefused(response, "content_encryption_algorithm_refused", email);
  });
});

describe("[CTL-1] checkEncryptionAlgorithms on hand-written XML", () => {
  const wrap = (inner: string) =>
    `<r xmlns:xenc="${xenc}" xmlns:other="urn:example:other">` +
    `<xenc:EncryptedData><xenc:EncryptionMethod Algorithm="${aes256Cbc}"/>${inner}</xenc:EncryptedData></r>`;
  const key = (method: string) => `<xenc:EncryptedKey>${method}<xenc:CipherData/></xenc:EncryptedKey>`;
  const refusal = (xml: string): string | null => {
    try {
      checkEncryptionAlgorithms(parseStrictXml(xml).documentElement!);
      return null;
    } catch (error) {
      if (error instanceof SamlRejection) return error.reason;
      throw error;
    }
  };

  it("[CTL-1] passes OAEP with AES, and refuses every way of slipping in another key transport", () => {
    // Control: the shape an IdP sends passes, and the same shape with rsa-1_5 does not.
    expect(refusal(wrap(key(`<xenc:EncryptionMethod Algorithm="${rsaOaep}"/>`)))).toBeNull();
    expect(refusal(wrap(key(`<xenc:EncryptionMethod Algorithm="${rsa15}"/>`)))).toBe(
      "key_transport_algorithm_refused",
    );
    // XML Encryption 1.1's RSA-OAEP is sound, but xml-encryption cannot decrypt it: refused by name.
    expect(
      refusal(wrap(key(`<xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep"/>`))),
    ).toBe("key_transport_algorithm_refused");
    // xml-encryption finds elements by local name only, so foreign namespaces and extra or missing
    // methods are refused rather than guessed at.
    expect(refusal(wrap(key(`<other:EncryptionMethod Algorithm="${rsaOaep}"/>`)))).toBe(
      "encryption_structure_invalid",
    );
    expect(
      refusal(wrap(`<other:EncryptedKey><xenc:EncryptionMethod Algorithm="${rsa15}"/></other:EncryptedKey>`)),
    ).toBe("encryption_structure_invalid");
    expect(
      refusal(
        wrap(
          key(`<xenc:EncryptionMethod Algorithm="${rsaOaep}"/><xenc:EncryptionMethod Algorithm="${rsa15}"/>`),
        ),
      ),
    ).toBe("encryption_structure_invalid");
    expect(refusal(wrap(key("")))).toBe("encryption_structure_invalid");
    expect(refusal(wrap(`<xenc:KeyInfo><xenc:EncryptionMethod Algorithm="${rsa15}"/></xenc:KeyInfo>`))).toBe(
      "encryption_structure_invalid",
    );
  });
});
