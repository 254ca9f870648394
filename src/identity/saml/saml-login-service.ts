// SAML 2.0 sign-in for one organisation (CTL-1): the SP's metadata, SP-initiated requests, and the ACS step
// that turns a signed response into a user (provisioned just in time) and a browser session. Every
// refusal is audited with a short reason code; the response itself is never recorded.
import { createHash, timingSafeEqual } from "node:crypto";
import type * as NodeSaml from "@node-saml/node-saml";
import type { Profile, SAML } from "@node-saml/node-saml";
import { randomToken } from "../../core/ids.ts";
import type { AuditLog } from "../../audit/audit-log.ts";
import type { Db } from "../../db/database.ts";
import { SamlRejection } from "../identity-errors.ts";
import type { NewSession, SessionService } from "../session-service.ts";
import { signInFromSso } from "../sso-sign-in.ts";
import { normalizeEmail, type User, type UserService } from "../user-service.ts";
import type { SamlConnection, SamlConnectionService } from "./saml-connection-service.ts";
import { advertiseKeyTransport } from "./saml-encryption-algorithms.ts";
import { SamlRequestCache } from "./saml-request-cache.ts";
import { inspectResponse, readVerifiedAssertion } from "./saml-response-guard.ts";
import { lazyModule } from "../../core/lazy-module.ts";

/**
 * node-saml (with its XML signature and encryption libraries), imported at the first SAML request:
 * it takes tens of MB, and most installations never use SAML.
 */
const loadNodeSaml = lazyModule<typeof NodeSaml>(() => import("@node-saml/node-saml"));

export interface SamlLoginOptions {
  /** Tolerated difference between the IdP's clock and ours. */
  clockSkewMs: number;
  /** How long an AuthnRequest may wait for its response. */
  requestLifetimeMs: number;
}

export const defaultSamlLoginOptions: SamlLoginOptions = {
  clockSkewMs: 30_000,
  requestLifetimeMs: 10 * 60_000,
};

/** A base64 SAMLResponse above this is not a sign-in; refusing it early bounds parsing work. */
const maxResponseBytes = 256 * 1024;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** node-saml's error messages, mapped to stable reason codes for the audit log. */
const reasonsByMessage: Array<[RegExp, string]> = [
  [/^Invalid document signature|^Invalid signature on documentElement/, "response_signature_invalid"],
  [/multiple assertions/, "multiple_assertions"],
  [/^Invalid signature from encrypted assertion/, "assertion_signature_invalid"],
  [/^Invalid signature/, "assertion_signature_invalid"],
  [
    /Too many signatures|too many transforms|ID cannot refer|Referenced node|ref URI/,
    "signature_structure_invalid",
  ],
  [/InResponseTo is missing/, "unsolicited_response"],
  [/InResponseTo/, "in_response_to_mismatch"],
  [/No valid subject confirmation/, "subject_confirmation_invalid"],
  [/expired/, "assertion_expired"],
  [/not yet valid/, "assertion_not_yet_valid"],
  [/[Aa]udience/, "audience_mismatch"],
  [/issuer/i, "issuer_mismatch"],
  [/decrypt|EncryptedAssertion|No decryption key|xmlenc|encrypt|oaep|rsa routines/i, "decryption_failed"],
  [/NameID/, "name_id_missing"],
  [/status/i, "idp_error_status"],
];

function reasonFor(error: unknown): string {
  if (error instanceof SamlRejection) return error.reason;
  const message = error instanceof Error ? error.message : "";
  for (const [pattern, reason] of reasonsByMessage) if (pattern.test(message)) return reason;
  return "response_invalid";
}

function attribute(profile: Profile, name: string): string | undefined {
  const value = profile[name] ?? (profile.attributes as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === "string" ? first : undefined;
}

/** RelayState becomes a redirect: only a local path is kept, so it cannot send the user elsewhere. */
export function safeReturnPath(relayState: string | undefined): string {
  if (!relayState || relayState.length > 1000) return "/";
  if (!relayState.startsWith("/") || relayState.startsWith("//") || relayState.includes("\\")) return "/";
  // Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would become "//evil.example".
  if (/[^\x21-\x7e]/.test(relayState)) return "/";
  return relayState;
}

export class SamlLoginService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #connections: SamlConnectionService;
  readonly #users: UserService;
  readonly #sessions: SessionService;
  readonly #options: SamlLoginOptions;

  constructor(dependencies: {
    db: Db;
    audit: AuditLog;
    connections: SamlConnectionService;
    users: UserService;
    sessions: SessionService;
    options?: SamlLoginOptions;
  }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#connections = dependencies.connections;
    this.#users = dependencies.users;
    this.#sessions = dependencies.sessions;
    this.#options = dependencies.options ?? defaultSamlLoginOptions;
  }

  async #serviceProvider(connection: SamlConnection, browserHash: Buffer | null = null): Promise<SAML> {
    const { SAML, ValidateInResponseTo } = await loadNodeSaml();
    return new SAML({
      issuer: connection.spEntityId,
      callbackUrl: connection.acsUrl,
      entryPoint: connection.idpSsoUrl,
      idpCert: connection.idpCertificates,
      idpIssuer: connection.idpEntityId,
      audience: connection.spEntityId,
      wantAuthnResponseSigned: true,
      wantAssertionsSigned: true,
      privateKey: connection.spPrivateKey,
      publicCert: connection.spCertificate,
      decryptionPvk: connection.spPrivateKey,
      signatureAlgorithm: "sha256",
      digestAlgorithm: "sha256",
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      acceptedClockSkewMs: this.#options.clockSkewMs,
      validateInResponseTo: connection.allowIdpInitiated
        ? ValidateInResponseTo.ifPresent
        : ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: this.#options.requestLifetimeMs,
      cacheProvider: new SamlRequestCache(
        this.#db,
        connection.organizationId,
        this.#options.requestLifetimeMs,
        browserHash,
      ),
    });
  }

  async metadata(organizationId: string): Promise<string> {
    const connection = await this.#connections.get(organizationId);
    return advertiseKeyTransport(
      (await this.#serviceProvider(connection)).generateServiceProviderMetadata(
        connection.spCertificate,
        connection.spCertificate,
      ),
    );
  }

  /**
   * The IdP URL (redirect binding, signed) to send the browser to; the request id is remembered.
   * With bindBrowser, also a token for the browser to hold (in a cookie) and present at the ACS, so
   * a response obtained by someone else cannot sign this browser in (login CSRF).
   */
  async startLogin(
    organizationId: string,
    relayState: string,
    options: { bindBrowser: boolean } = { bindBrowser: false },
  ): Promise<{ url: string; browserToken: string | null }> {
    const connection = await this.#connections.get(organizationId);
    await this.#purgeExpired();
    const browserToken = options.bindBrowser ? randomToken(43) : null;
    const serviceProvider = await this.#serviceProvider(
      connection,
      browserToken ? sha256(browserToken) : null,
    );
    const url = await serviceProvider.getAuthorizeUrlAsync(safeReturnPath(relayState), undefined, {});
    return { url, browserToken };
  }

  /**
   * Validate a posted SAMLResponse; on success the user (provisioned if new), a new session, and
   * whether a SHA-1 signature or digest was accepted (only where the connection allows it).
   */
  async finishLogin(
    organizationId: string,
    samlResponse: string,
    browserToken: string | null = null,
  ): Promise<{ user: User; session: NewSession; usedSha1: boolean }> {
    try {
      return await this.#finish(organizationId, samlResponse, browserToken);
    } catch (error) {
      const reason = reasonFor(error);
      // Without a connection the id may name no organisation at all: it is only the target then.
      const known = reason !== "no_connection";
      await this.#audit.append({
        actor: "anonymous",
        action: "sign_in.failed",
        target: known ? null : organizationId,
        organizationId: known ? organizationId : null,
        metadata: { method: "saml", reason },
      });
      throw error instanceof SamlRejection ? error : new SamlRejection(reason);
    }
  }

  async #finish(
    organizationId: string,
    samlResponse: string,
    browserToken: string | null,
  ): Promise<{ user: User; session: NewSession; usedSha1: boolean }> {
    const connection = await this.#connections.find(organizationId);
    if (!connection) throw new SamlRejection("no_connection");
    if (samlResponse.length === 0 || samlResponse.length > maxResponseBytes) throw new SamlRejection("size");
    if (!/^[A-Za-z0-9+/=\s]+$/.test(samlResponse)) throw new SamlRejection("not_base64");
    const xml = Buffer.from(samlResponse, "base64").toString("utf8");
    const shape = inspectResponse(xml, {
      acsUrl: connection.acsUrl,
      idpEntityId: connection.idpEntityId,
      allowSha1: connection.allowSha1,
    });
    if (shape.inResponseTo) await this.#checkBrowser(organizationId, shape.inResponseTo, browserToken);

    const { profile } = await (
      await this.#serviceProvider(connection)
    ).validatePostResponseAsync({
      SAMLResponse: samlResponse,
    });
    if (!profile || typeof profile.getAssertionXml !== "function") throw new SamlRejection("no_assertion");
    const assertion = readVerifiedAssertion(profile.getAssertionXml(), connection.allowSha1);
    if (
      assertion.recipients.length === 0 ||
      assertion.recipients.some((recipient) => recipient !== connection.acsUrl)
    ) {
      throw new SamlRejection("recipient_mismatch");
    }
    if (assertion.nameIdTextNodes !== 1 || !profile.nameID) throw new SamlRejection("name_id_malformed");
    await this.#claimAssertion(organizationId, assertion.assertionId, assertion.notOnOrAfter);

    const email =
      attribute(profile, connection.emailAttribute) ??
      (profile.nameID.includes("@") ? profile.nameID : undefined);
    if (!email) throw new SamlRejection("no_email");
    try {
      normalizeEmail(email);
    } catch {
      throw new SamlRejection("invalid_email");
    }
    const signedIn = await signInFromSso(
      { users: this.#users, sessions: this.#sessions, audit: this.#audit },
      {
        organizationId,
        provider: "saml",
        externalId: profile.nameID,
        email,
        displayName: attribute(profile, connection.nameAttribute),
      },
      (reason) => new SamlRejection(reason),
    );
    return { ...signedIn, usedSha1: shape.usedSha1 || assertion.usedSha1 };
  }

  /** A request started with a browser binding must be finished by that same browser. */
  async #checkBrowser(organizationId: string, requestId: string, browserToken: string | null): Promise<void> {
    const cache = new SamlRequestCache(this.#db, organizationId, this.#options.requestLifetimeMs);
    const expected = await cache.browserHash(requestId);
    // An unknown request is node-saml's to refuse (InResponseTo); an unbound one has nothing to check.
    if (!expected) return;
    const given = browserToken ? sha256(browserToken) : Buffer.alloc(expected.length);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new SamlRejection("browser_mismatch");
    }
  }

  /** One-time use of assertion ids, across every node: the insert either claims the id or finds it used. */
  async #claimAssertion(
    organizationId: string,
    assertionId: string,
    notOnOrAfter: Date | null,
  ): Promise<void> {
    if (assertionId.length === 0 || assertionId.length > 256) throw new SamlRejection("assertion_id_invalid");
    const validUntil = (notOnOrAfter?.getTime() ?? Date.now() + 24 * 60 * 60_000) + this.#options.clockSkewMs;
    const claimed = await this.#db
      .insertInto("saml_replay")
      .values({
        organization_id: organizationId,
        assertion_id: assertionId,
        expires_at: new Date(validUntil),
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning("assertion_id")
      .executeTakeFirst();
    if (!claimed) throw new SamlRejection("assertion_replayed");
  }

  async #purgeExpired(): Promise<void> {
    const now = new Date();
    await this.#db.deleteFrom("saml_requests").where("expires_at", "<", now).execute();
    await this.#db.deleteFrom("saml_replay").where("expires_at", "<", now).execute();
  }
}
