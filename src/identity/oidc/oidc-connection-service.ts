// Per-organisation OIDC connections: the issuer, the client id and secret (sealed by the
// organisation's keyring), scopes and claim mapping. Changes are audited; the secret never is.
import type { Insertable, Selectable } from "kysely";
import type { AuditLog } from "../../audit/audit-log.ts";
import type { Keyring } from "../../crypto/keyring.ts";
import type { Db } from "../../db/database.ts";
import { oidcErrors } from "./oidc-errors.ts";
import type { OidcConnectionsTable } from "./oidc-tables.ts";
import { checkBaseUrl, SsoConnectionService } from "../sso-connection-service.ts";

export interface OidcConnection {
  organizationId: string;
  baseUrl: string;
  /** Where the provider sends the browser back to. */
  redirectUri: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  emailClaim: string;
  nameClaim: string;
  updatedAt: Date;
}

export type OidcConnectionSummary = Omit<OidcConnection, "clientSecret">;

export interface SetOidcConnection {
  organizationId: string;
  baseUrl: string;
  issuer: string;
  clientId: string;
  /** Omitted on update to keep the stored secret. */
  clientSecret?: string;
  scopes?: string[];
  emailClaim?: string;
  nameClaim?: string;
  actor: string;
}

type OidcConnectionRow = Omit<Insertable<OidcConnectionsTable>, "organization_id">;

const place = (organizationId: string) => ({ table: "oidc_connections", row: organizationId });

export function oidcRedirectUri(baseUrl: string, organizationId: string): string {
  return `${baseUrl}/sso/oidc/${encodeURIComponent(organizationId)}/callback`;
}

/** Plain http is allowed only for a provider on this machine (development and tests). */
export function isLoopback(url: URL): boolean {
  return ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

function checkUrl(value: string, param: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw oidcErrors.invalidSetting(param, "must be an absolute https URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url))) {
    throw oidcErrors.invalidSetting(param, "must use https (http only on the loopback address)");
  }
  if (url.search || url.hash || url.username || url.password) {
    throw oidcErrors.invalidSetting(param, "must not carry a query, fragment or credentials");
  }
  return url.toString().replace(/\/+$/, "");
}

function checkName(value: string, param: string): string {
  const name = value.trim();
  if (!/^[\x21-\x7e]{1,200}$/.test(name))
    throw oidcErrors.invalidSetting(param, "must be 1 to 200 characters");
  return name;
}

function checkScopes(scopes: string[]): string[] {
  const cleaned = [...new Set(["openid", ...scopes.map((scope) => checkName(scope, "scopes"))])];
  if (cleaned.length > 20) throw oidcErrors.invalidSetting("scopes", "must name at most 20 scopes");
  return cleaned;
}

export class OidcConnectionService extends SsoConnectionService<
  OidcConnection,
  OidcConnectionRow,
  Selectable<OidcConnectionsTable>
> {
  constructor(dependencies: { db: Db; keyring: Keyring; audit: AuditLog }) {
    super(dependencies, {
      table: "oidc_connections",
      action: "sso.oidc",
      notConfigured: oidcErrors.notConfigured,
    });
  }

  async set(input: SetOidcConnection): Promise<OidcConnectionSummary> {
    const existing = await this.db
      .selectFrom("oidc_connections")
      .select(["client_secret", "scopes", "email_claim", "name_claim"])
      .where("organization_id", "=", input.organizationId)
      .executeTakeFirst();
    let sealedSecret = existing?.client_secret;
    if (input.clientSecret !== undefined) {
      if (input.clientSecret.length === 0 || input.clientSecret.length > 1000) {
        throw oidcErrors.invalidSetting("client_secret", "must be 1 to 1000 characters");
      }
      sealedSecret = await this.keyring.seal(
        input.organizationId,
        place(input.organizationId),
        input.clientSecret,
      );
    }
    if (!sealedSecret) throw oidcErrors.invalidSetting("client_secret", "is required for a new connection");
    const row: OidcConnectionRow = {
      base_url: checkBaseUrl(input.baseUrl, (problem) => oidcErrors.invalidSetting("base_url", problem)),
      issuer: checkUrl(input.issuer, "issuer"),
      client_id: checkName(input.clientId, "client_id"),
      client_secret: sealedSecret,
      scopes: checkScopes(input.scopes ?? existing?.scopes.split(" ") ?? ["email", "profile"]).join(" "),
      email_claim: checkName(input.emailClaim ?? existing?.email_claim ?? "email", "email_claim"),
      name_claim: checkName(input.nameClaim ?? existing?.name_claim ?? "name", "name_claim"),
      updated_at: new Date(),
    };
    const saved = await this.save({
      organizationId: input.organizationId,
      actor: input.actor,
      existed: existing !== undefined,
      row,
      metadata: {
        issuer: row.issuer.slice(0, 200),
        client_id: row.client_id.slice(0, 200),
        scopes: row.scopes.slice(0, 200),
        secret_changed: input.clientSecret !== undefined,
      },
    });
    return summarize(saved);
  }

  protected async open(
    organizationId: string,
    row: Selectable<OidcConnectionsTable>,
  ): Promise<OidcConnection> {
    const secret = await this.keyring.open(organizationId, place(organizationId), row.client_secret);
    return {
      organizationId,
      baseUrl: row.base_url,
      redirectUri: oidcRedirectUri(row.base_url, organizationId),
      issuer: row.issuer,
      clientId: row.client_id,
      clientSecret: secret.toString("utf8"),
      scopes: row.scopes.split(" "),
      emailClaim: row.email_claim,
      nameClaim: row.name_claim,
      updatedAt: row.updated_at,
    };
  }

  /** Whether the organisation has a connection, without opening its secret. */
  async exists(organizationId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("oidc_connections")
      .select("organization_id")
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    return row !== undefined;
  }
}

export function summarize(connection: OidcConnection): OidcConnectionSummary {
  const { clientSecret, ...rest } = connection;
  void clientSecret;
  return rest;
}
