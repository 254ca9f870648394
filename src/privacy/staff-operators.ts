// Operators ("staff"): platform-level identities, separate from every organisation's users and roles.
// An operator signs in with a token shown once at creation and gets a short session of its own.
import { createHash } from "node:crypto";
import type { AuditLog } from "../audit/audit-log.ts";
import { randomToken } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import { oversightErrors } from "./staff-errors.ts";
import "./staff-tables.ts";

export const operatorTokenPrefix = "op-cust-";
/** Operator sessions are short: staff access is the exception, not a working day's login. */
const sessionMs = 4 * 60 * 60_000;

export interface Operator {
  id: string;
  name: string;
}

function hash(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

export class OperatorService {
  readonly #db: Db;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  /** A new operator; the returned `token` is the only time it exists outside the operator's hands. */
  async create(name: string, actor: string): Promise<Operator & { token: string }> {
    const trimmed = name.trim();
    if (!/^[a-zA-Z0-9_.@-]{1,100}$/.test(trimmed)) {
      throw oversightErrors.invalid(
        "An operator name is 1 to 100 letters, digits, '.', '_', '@' or '-'.",
        "name",
      );
    }
    const token = `${operatorTokenPrefix}${randomToken(48)}`;
    const id = `op_${randomToken(24)}`;
    await this.#db
      .insertInto("operators")
      .values({ id, name: trimmed, token_hash: hash(token) })
      .execute();
    await this.#audit.append({ actor, action: "operator.created", target: id, metadata: { name: trimmed } });
    return { id, name: trimmed, token };
  }

  async list(): Promise<Array<Operator & { createdAt: Date; disabled: boolean }>> {
    const rows = await this.#db.selectFrom("operators").selectAll().orderBy("created_at").execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      createdAt: row.created_at,
      disabled: row.disabled_at !== null,
    }));
  }

  /** Exchange an operator token for a session token; failures are audited with one reason. */
  async signIn(token: string): Promise<{ operator: Operator; sessionToken: string; expiresAt: Date }> {
    const row =
      token.startsWith(operatorTokenPrefix) && token.length <= 200
        ? await this.#db
            .selectFrom("operators")
            .select(["id", "name"])
            .where("token_hash", "=", hash(token))
            .where("disabled_at", "is", null)
            .executeTakeFirst()
        : undefined;
    if (!row) {
      await this.#audit.append({
        actor: "anonymous",
        action: "operator.sign_in_failed",
        metadata: { reason: "bad_token" },
      });
      throw oversightErrors.operatorSignInFailed();
    }
    const sessionToken = randomToken(43);
    const expiresAt = new Date(Date.now() + sessionMs);
    const id = `opsess_${randomToken(24)}`;
    await this.#db
      .insertInto("operator_sessions")
      .values({ id, operator_id: row.id, token_hash: hash(sessionToken), expires_at: expiresAt })
      .execute();
    await this.#audit.append({ actor: row.id, action: "operator.signed_in", target: id });
    return { operator: { id: row.id, name: row.name }, sessionToken, expiresAt };
  }

  /** The operator behind a live session token, or null. */
  async authenticate(sessionToken: string): Promise<Operator | null> {
    if (sessionToken.length === 0 || sessionToken.length > 100) return null;
    const row = await this.#db
      .selectFrom("operator_sessions")
      .innerJoin("operators", "operators.id", "operator_sessions.operator_id")
      .select(["operators.id", "operators.name"])
      .where("operator_sessions.token_hash", "=", hash(sessionToken))
      .where("operator_sessions.revoked_at", "is", null)
      .where("operator_sessions.expires_at", ">", new Date())
      .where("operators.disabled_at", "is", null)
      .executeTakeFirst();
    return row ? { id: row.id, name: row.name } : null;
  }
}
