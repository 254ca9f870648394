// What the SAML and OIDC connection services share: one connection row per organisation, written
// (insert or update) and removed with an audit entry, and the check of the public base URL.
import type { AuditLog } from "../audit/audit-log.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import "./identity-tables.ts";
import "./oidc/oidc-tables.ts";

type ConnectionTable = "saml_connections" | "oidc_connections";

/** Checks the public base URL both protocols build their callback addresses on. */
export function checkBaseUrl(value: string, invalid: (problem: string) => Error): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid("must be an absolute http(s) URL");
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash || url.username) {
    throw invalid("must be an http(s) origin and path, without query");
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * The base of the SAML and OIDC connection services: the row is written and removed here; the
 * service validates its input, seals its secrets and reads the row into its own connection shape.
 */
export abstract class SsoConnectionService<Connection, Row extends object, Stored> {
  protected readonly db: Db;
  protected readonly keyring: Keyring;
  readonly #audit: AuditLog;
  readonly #table: ConnectionTable;
  readonly #action: string;
  readonly #notConfigured: (organizationId: string) => Error;

  constructor(
    dependencies: { db: Db; keyring: Keyring; audit: AuditLog },
    kind: {
      table: ConnectionTable;
      /** The audit action's prefix, such as `sso.saml`. */
      action: string;
      notConfigured: (organizationId: string) => Error;
    },
  ) {
    this.db = dependencies.db;
    this.keyring = dependencies.keyring;
    this.#audit = dependencies.audit;
    this.#table = kind.table;
    this.#action = kind.action;
    this.#notConfigured = kind.notConfigured;
  }

  /** The organisation's connection with its secrets opened, or null when it has none. */
  async find(organizationId: string): Promise<Connection | null> {
    const row = await this.db
      .selectFrom(this.#table)
      .selectAll()
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    // The row is the table's the subclass named; Kysely types a run-time table as the union of both.
    return row ? this.open(organizationId, row as Stored) : null;
  }

  /** The stored row as the service's connection, its secrets opened. */
  protected abstract open(organizationId: string, row: Stored): Promise<Connection>;

  async get(organizationId: string): Promise<Connection> {
    const connection = await this.find(organizationId);
    if (!connection) throw this.#notConfigured(organizationId);
    return connection;
  }

  async remove(organizationId: string, actor: string): Promise<void> {
    const result = await this.db
      .deleteFrom(this.#table)
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw this.#notConfigured(organizationId);
    await this.#audit.append({
      actor,
      action: `${this.#action}.deleted`,
      target: organizationId,
      organizationId,
    });
  }

  /**
   * Writes the organisation's connection, records `<action>.created` or `<action>.updated`, and
   * answers the connection as now stored.
   */
  protected async save(input: {
    organizationId: string;
    actor: string;
    existed: boolean;
    row: Row;
    /** What the audit entry may say: names and counts, never a secret. */
    metadata: Record<string, string | number | boolean>;
  }): Promise<Connection> {
    // Kysely cannot relate a row type to a table chosen at run time; the subclasses type `Row`.
    const row = input.row as never;
    await this.db
      .insertInto(this.#table)
      .values({ organization_id: input.organizationId, ...input.row } as never)
      .onConflict((conflict) => conflict.column("organization_id").doUpdateSet(row))
      .execute();
    await this.#audit.append({
      actor: input.actor,
      action: `${this.#action}.${input.existed ? "updated" : "created"}`,
      target: input.organizationId,
      organizationId: input.organizationId,
      metadata: input.metadata,
    });
    return this.get(input.organizationId);
  }
}
