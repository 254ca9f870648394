// Browser sessions: random tokens held in cookies, only their hashes in the database, so a session can
// be revoked at once on every node; idle and absolute timeouts; a CSRF token bound to each session.
import { createHash, timingSafeEqual } from "node:crypto";
import { randomToken } from "../core/ids.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";

export interface SessionTimeouts {
  /** A session unused for this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however active. */
  absoluteMs: number;
}

export const defaultSessionTimeouts: SessionTimeouts = { idleMs: 30 * 60_000, absoluteMs: 12 * 60 * 60_000 };

export interface NewSession {
  id: string;
  /** The cookie value; exists only here and in the browser. */
  token: string;
  /** Echoed by the browser in a header on state-changing requests. */
  csrfToken: string;
  expiresAt: Date;
}

export interface SessionPrincipal {
  sessionId: string;
  userId: string;
  organizationId: string;
  method: string;
}

/** last_seen_at is written at most this often, so reads do not each cost a write. */
const touchEveryMs = 60_000;

function hash(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

export class SessionService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #timeouts: SessionTimeouts;
  readonly #now: () => number;

  constructor(dependencies: { db: Db; audit: AuditLog; timeouts?: SessionTimeouts; now?: () => number }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#timeouts = dependencies.timeouts ?? defaultSessionTimeouts;
    this.#now = dependencies.now ?? Date.now;
  }

  get timeouts(): SessionTimeouts {
    return this.#timeouts;
  }

  async create(input: { organizationId: string; userId: string; method: string }): Promise<NewSession> {
    const now = this.#now();
    await this.#forgetEnded(input.organizationId, input.userId, now);
    const session = {
      id: `sess_${randomToken(24)}`,
      token: randomToken(43),
      csrfToken: randomToken(32),
      expiresAt: new Date(now + this.#timeouts.absoluteMs),
    };
    await this.#db
      .insertInto("sessions")
      .values({
        id: session.id,
        organization_id: input.organizationId,
        user_id: input.userId,
        token_hash: hash(session.token),
        csrf_hash: hash(session.csrfToken),
        method: input.method,
        last_seen_at: new Date(now),
        expires_at: session.expiresAt,
      })
      .execute();
    return session;
  }

  /** The live session behind a cookie token, or null: unknown, revoked, idle too long, past its end, or its user disabled. */
  async authenticate(token: string): Promise<SessionPrincipal | null> {
    if (token.length === 0 || token.length > 100) return null;
    const now = this.#now();
    const row = await this.#db
      .selectFrom("sessions")
      .innerJoin("users", (join) =>
        join
          .onRef("users.id", "=", "sessions.user_id")
          .onRef("users.organization_id", "=", "sessions.organization_id"),
      )
      .select([
        "sessions.id",
        "sessions.user_id",
        "sessions.organization_id",
        "sessions.method",
        "sessions.last_seen_at",
        "sessions.expires_at",
        "sessions.revoked_at",
        "users.status",
      ])
      .where("sessions.token_hash", "=", hash(token))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || row.status !== "active") return null;
    if (row.expires_at.getTime() <= now) return null;
    if (row.last_seen_at.getTime() + this.#timeouts.idleMs <= now) return null;
    if (row.last_seen_at.getTime() + touchEveryMs <= now) {
      await this.#db
        .updateTable("sessions")
        .set({ last_seen_at: new Date(now) })
        .where("id", "=", row.id)
        .execute();
    }
    return {
      sessionId: row.id,
      userId: row.user_id,
      organizationId: row.organization_id,
      method: row.method,
    };
  }

  /** Whether a CSRF token is the one issued with this session. */
  async checkCsrf(principal: SessionPrincipal, csrfToken: string): Promise<boolean> {
    if (csrfToken.length === 0 || csrfToken.length > 100) return false;
    const row = await this.#db
      .selectFrom("sessions")
      .select("csrf_hash")
      .where("organization_id", "=", principal.organizationId)
      .where("id", "=", principal.sessionId)
      .executeTakeFirst();
    if (!row) return false;
    const given = hash(csrfToken);
    return given.length === row.csrf_hash.length && timingSafeEqual(given, row.csrf_hash);
  }

  async revoke(principal: SessionPrincipal, actor: string): Promise<void> {
    await this.#db
      .updateTable("sessions")
      .set({ revoked_at: new Date(this.#now()) })
      .where("organization_id", "=", principal.organizationId)
      .where("id", "=", principal.sessionId)
      .where("revoked_at", "is", null)
      .execute();
    await this.#audit.append({
      actor,
      action: "session.revoked",
      target: principal.sessionId,
      organizationId: principal.organizationId,
    });
  }

  /** End every session of a user (disabled, deprovisioned, or signed out everywhere). */
  async revokeAllForUser(
    organizationId: string,
    userId: string,
    actor: string,
    method?: string,
  ): Promise<number> {
    let query = this.#db
      .updateTable("sessions")
      .set({ revoked_at: new Date(this.#now()) })
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null);
    if (method) query = query.where("method", "=", method);
    const result = await query.executeTakeFirst();
    const count = Number(result.numUpdatedRows);
    if (count > 0) {
      await this.#audit.append({
        actor,
        action: "session.revoked_all",
        target: userId,
        organizationId,
        metadata: { sessions: count, method: method ?? "any" },
      });
    }
    return count;
  }

  /** Rows of this user's sessions that ended over a day ago say nothing any more; sign-in clears them. */
  async #forgetEnded(organizationId: string, userId: string, now: number): Promise<void> {
    const before = new Date(now - 24 * 60 * 60_000);
    await this.#db
      .deleteFrom("sessions")
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", userId)
      .where((where) => where.or([where("expires_at", "<", before), where("revoked_at", "<", before)]))
      .execute();
  }
}
