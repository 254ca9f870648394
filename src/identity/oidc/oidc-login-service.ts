// OIDC sign-in for one organisation (CTL-1): the authorization code flow with PKCE, its state, nonce and code
// verifier kept server-side (one-time use, bound to the browser that started it), and the callback
// that turns a verified ID token into a user (provisioned just in time) and a browser session. Every
// sign-in and every refusal is audited with a short reason code; tokens are never recorded.
import { createHash } from "node:crypto";
import type * as OpenIdClient from "openid-client";
import { randomToken } from "../../core/ids.ts";
import type { AuditLog } from "../../audit/audit-log.ts";
import type { Keyring } from "../../crypto/keyring.ts";
import type { Db } from "../../db/database.ts";
import { safeReturnPath } from "../saml/saml-login-service.ts";
import type { NewSession, SessionService } from "../session-service.ts";
import { signInFromSso } from "../sso-sign-in.ts";
import { normalizeEmail, type User, type UserService } from "../user-service.ts";
import { isLoopback, type OidcConnection, type OidcConnectionService } from "./oidc-connection-service.ts";
import { oidcErrors, OidcRejection } from "./oidc-errors.ts";
import { lazyModule } from "../../core/lazy-module.ts";

/** openid-client, imported at the first OIDC sign-in: most installations never use OIDC. */
const loadOpenIdClient = lazyModule<typeof OpenIdClient>(() => import("openid-client"));

export interface OidcLoginOptions {
  /** How long a started login may wait for its callback. */
  requestLifetimeMs: number;
  /** How long a provider's discovery document is reused before it is read again. */
  discoveryCacheMs: number;
}

export const defaultOidcLoginOptions: OidcLoginOptions = {
  requestLifetimeMs: 10 * 60_000,
  discoveryCacheMs: 5 * 60_000,
};

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

const requestPlace = (state: string) => ({ table: "oidc_requests", row: state });

function claimText(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export class OidcLoginService {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;
  readonly #connections: OidcConnectionService;
  readonly #users: UserService;
  readonly #sessions: SessionService;
  readonly #options: OidcLoginOptions;
  readonly #discovered = new Map<
    string,
    { key: string; until: number; configuration: Promise<OpenIdClient.Configuration> }
  >();

  constructor(dependencies: {
    db: Db;
    keyring: Keyring;
    audit: AuditLog;
    connections: OidcConnectionService;
    users: UserService;
    sessions: SessionService;
    options?: OidcLoginOptions;
  }) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#audit = dependencies.audit;
    this.#connections = dependencies.connections;
    this.#users = dependencies.users;
    this.#sessions = dependencies.sessions;
    this.#options = dependencies.options ?? defaultOidcLoginOptions;
  }

  /** The provider's configuration from its discovery document, cached per connection version. */
  async #configuration(connection: OidcConnection): Promise<OpenIdClient.Configuration> {
    const client = await loadOpenIdClient();
    const key = `${connection.issuer} ${connection.clientId} ${connection.updatedAt.getTime()}`;
    const cached = this.#discovered.get(connection.organizationId);
    if (cached && cached.key === key && cached.until > Date.now()) return cached.configuration;
    const issuer = new URL(connection.issuer);
    const configuration = client.discovery(
      issuer,
      connection.clientId,
      connection.clientSecret,
      client.ClientSecretBasic(connection.clientSecret),
      {
        timeout: 10,
        ...(issuer.protocol === "http:" && isLoopback(issuer)
          ? { execute: [client.allowInsecureRequests] }
          : {}),
      },
    );
    this.#discovered.set(connection.organizationId, {
      key,
      until: Date.now() + this.#options.discoveryCacheMs,
      configuration,
    });
    try {
      return await configuration;
    } catch {
      this.#discovered.delete(connection.organizationId);
      throw oidcErrors.providerUnreachable();
    }
  }

  /**
   * The provider URL to send the browser to, and a token for the browser to hold (in a cookie) and
   * present at the callback, so that a code obtained by someone else cannot sign this browser in.
   */
  async startLogin(organizationId: string, returnTo: string): Promise<{ url: string; browserToken: string }> {
    const connection = await this.#connections.get(organizationId);
    const configuration = await this.#configuration(connection);
    await this.#db.deleteFrom("oidc_requests").where("expires_at", "<", new Date()).execute();
    const client = await loadOpenIdClient();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const browserToken = randomToken(43);
    await this.#db
      .insertInto("oidc_requests")
      .values({
        organization_id: organizationId,
        state,
        nonce,
        code_verifier: await this.#keyring.seal(organizationId, requestPlace(state), codeVerifier),
        browser_hash: sha256(browserToken),
        return_to: safeReturnPath(returnTo),
        expires_at: new Date(Date.now() + this.#options.requestLifetimeMs),
      })
      .execute();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: connection.redirectUri,
      scope: connection.scopes.join(" "),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url: url.href, browserToken };
  }

  /** Finish a login from the callback's query string; on success the user, a new session and where to go. */
  async finishLogin(
    organizationId: string,
    query: URLSearchParams,
    browserToken: string | null,
  ): Promise<{ user: User; session: NewSession; returnTo: string }> {
    try {
      return await this.#finish(organizationId, query, browserToken);
    } catch (error) {
      const reason = error instanceof OidcRejection ? error.reason : "callback_invalid";
      const known = reason !== "no_connection";
      await this.#audit.append({
        actor: "anonymous",
        action: "sign_in.failed",
        target: known ? null : organizationId,
        organizationId: known ? organizationId : null,
        metadata: { method: "oidc", reason },
      });
      throw error instanceof OidcRejection ? error : new OidcRejection(reason, { cause: error });
    }
  }

  async #finish(
    organizationId: string,
    query: URLSearchParams,
    browserToken: string | null,
  ): Promise<{ user: User; session: NewSession; returnTo: string }> {
    const connection = await this.#connections.find(organizationId);
    if (!connection) throw new OidcRejection("no_connection");
    const state = query.get("state");
    if (!state || state.length > 200) throw new OidcRejection("state_missing");
    // Deleting claims the request: a state works once, on one node, whatever happens next. Only the
    // browser that started the login can claim it, so a stolen callback URL cannot use it up.
    const request = await this.#db
      .deleteFrom("oidc_requests")
      .where("organization_id", "=", organizationId)
      .where("state", "=", state)
      .where("browser_hash", "=", sha256(browserToken ?? ""))
      .returningAll()
      .executeTakeFirst();
    if (!request) {
      const pending = await this.#db
        .selectFrom("oidc_requests")
        .select("state")
        .where("organization_id", "=", organizationId)
        .where("state", "=", state)
        .executeTakeFirst();
      throw new OidcRejection(
        pending && browserToken !== null ? "browser_mismatch" : pending ? "browser_missing" : "state_unknown",
      );
    }
    if (request.expires_at.getTime() <= Date.now()) throw new OidcRejection("state_expired");
    if (query.has("error")) throw new OidcRejection("provider_error");
    const codeVerifier = await this.#keyring.open(organizationId, requestPlace(state), request.code_verifier);
    const configuration = await this.#configuration(connection);
    // The redirect URI is rebuilt from the connection, never from the request's Host header.
    const callbackUrl = new URL(connection.redirectUri);
    callbackUrl.search = query.toString();
    let claims: Record<string, unknown>;
    const client = await loadOpenIdClient();
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: codeVerifier.toString("utf8"),
        expectedState: state,
        expectedNonce: request.nonce,
        idTokenExpected: true,
      });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
      const subject = claimText(claims, "sub");
      // Many providers keep the profile claims out of the ID token: ask the userinfo endpoint then.
      if (subject && !claimText(claims, connection.emailClaim)) {
        const userInfo = await client.fetchUserInfo(configuration, tokens.access_token, subject);
        claims = { ...(userInfo as Record<string, unknown>), ...claims };
      }
    } catch (error) {
      throw new OidcRejection("token_exchange_failed", { cause: error });
    }
    const subject = claimText(claims, "sub");
    if (!subject) throw new OidcRejection("no_subject");
    if (claims.email_verified === false) throw new OidcRejection("email_unverified");
    const email = claimText(claims, connection.emailClaim);
    if (!email) throw new OidcRejection("no_email");
    try {
      normalizeEmail(email);
    } catch {
      throw new OidcRejection("invalid_email");
    }
    const { user, session } = await signInFromSso(
      { users: this.#users, sessions: this.#sessions, audit: this.#audit },
      {
        organizationId,
        provider: "oidc",
        externalId: `${connection.issuer} ${subject}`.slice(0, 1000),
        email,
        displayName: claimText(claims, connection.nameClaim),
      },
      (reason) => new OidcRejection(reason),
    );
    return { user, session, returnTo: request.return_to };
  }
}
