// Watches the audit log for what should page someone, and verifies its chain on a schedule. The read
// position is kept in the database and each range of entries is claimed before it is paged, so with
// many nodes every entry pages once.
//
// Why not jobs/periodic-task.ts: it holds one connection for its advisory lock while the task runs, and
// on embedded PGlite (one connection) any query the task makes then waits forever. Claiming a range
// with a compare-and-set on the cursor needs no held connection and works on both databases.
import type { Logger } from "pino";
import type { AuditEntry, AuditLog, CheckpointFailure, VerifyResult } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import type { SecurityEvent, SecurityEvents } from "./security-events.ts";
import "./security-tables.ts";

const cursorName = "audit-log";
/** How soon a page goes out after its audit entry is written. */
const scanEveryMs = 30_000;
const verifyEveryMs = 60 * 60_000;
/** A summary window with at least this many failed API authentications is a burst worth a page. */
const defaultAuthFailureThreshold = 20;

/** What in one audit entry is worth a page, or null. */
export function securityEventFor(entry: AuditEntry, authFailureThreshold: number): SecurityEvent | null {
  const { metadata } = entry;
  if (entry.action === "auth.failures" && typeof metadata.count === "number") {
    if (metadata.count < authFailureThreshold) return null;
    return {
      type: "security.auth_failures",
      data: {
        count: metadata.count,
        since: typeof metadata.since === "string" ? metadata.since : null,
        until: entry.at.toISOString(),
        audit_seq: entry.seq,
      },
    };
  }
  if (
    entry.action === "sign_in.failed" &&
    metadata.method === "saml" &&
    typeof metadata.reason === "string" &&
    metadata.reason.includes("signature")
  ) {
    return {
      type: "security.sso_signature_failure",
      data: { organization: entry.organizationId, reason: metadata.reason, audit_seq: entry.seq },
    };
  }
  if (entry.action.startsWith("staff_grant.")) {
    return {
      type: "security.staff_access",
      data: {
        organization: entry.organizationId,
        action: entry.action,
        grant: entry.target,
        operator: entry.actor,
        reason: typeof metadata.reason === "string" ? metadata.reason : null,
        audit_seq: entry.seq,
      },
    };
  }
  return null;
}

export function chainBrokenEvent(
  result: Extract<VerifyResult, { ok: false }>,
  source: string,
): SecurityEvent {
  return {
    type: "security.audit_chain_broken",
    data: {
      seq: result.seq,
      last_seq: result.lastSeq,
      problem: result.problem,
      entries: result.entries,
      source,
    },
  };
}

/** A checkpoint refused (the log no longer extends what was signed), not made, or not witnessed. */
export function checkpointFailedEvent(failure: CheckpointFailure): SecurityEvent {
  return {
    type: "security.audit_checkpoint_failed",
    data: { stage: failure.stage, witness: failure.witness, problem: failure.problem },
  };
}

export class SecurityEventMonitor {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #events: SecurityEvents;
  readonly #logger: Logger;
  readonly #threshold: number;
  readonly #timers: NodeJS.Timeout[] = [];
  #scanning: Promise<number> | null = null;
  /** The broken entry last paged about, so an unrepaired break pages once per process, not every hour. */
  #pagedBreak: number | null = null;

  constructor(dependencies: {
    db: Db;
    audit: AuditLog;
    events: SecurityEvents;
    logger: Logger;
    authFailureThreshold?: number;
  }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#events = dependencies.events;
    this.#logger = dependencies.logger;
    this.#threshold = dependencies.authFailureThreshold ?? defaultAuthFailureThreshold;
  }

  /** Start reading from the log's current end (history is not paged again), then run on schedule. */
  async start(): Promise<void> {
    await this.#db
      .insertInto("security_event_cursor")
      .values({ name: cursorName, seq: await this.#audit.head() })
      .onConflict((conflict) => conflict.column("name").doNothing())
      .execute();
    const failed = (task: string) => (error: unknown) =>
      this.#logger.error(
        { task, error: error instanceof Error ? error.name : "unknown" },
        "security task failed",
      );
    const scan = setInterval(() => void this.scan().catch(failed("security-event-scan")), scanEveryMs);
    const verify = setInterval(
      () => void this.verifyChain("periodic").catch(failed("audit-chain-verify")),
      verifyEveryMs,
    );
    for (const timer of [scan, verify]) {
      timer.unref();
      this.#timers.push(timer);
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    await this.#scanning?.catch(() => undefined);
  }

  /** Page about audit entries written since the last scan (on any node); resolves to how many paged. */
  scan(): Promise<number> {
    this.#scanning ??= this.#scan().finally(() => {
      this.#scanning = null;
    });
    return this.#scanning;
  }

  async #scan(): Promise<number> {
    let raised = 0;
    for (;;) {
      const cursor = await this.#db
        .selectFrom("security_event_cursor")
        .select("seq")
        .where("name", "=", cursorName)
        .executeTakeFirst();
      if (!cursor) return raised;
      const entries = await this.#audit.entries({ afterSeq: cursor.seq, limit: 1000 });
      const last = entries.at(-1);
      if (!last) return raised;
      // Claim (cursor, last]: only the node whose compare-and-set succeeds pages these entries.
      const claimed = await this.#db
        .updateTable("security_event_cursor")
        .set({ seq: last.seq })
        .where("name", "=", cursorName)
        .where("seq", "=", cursor.seq)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      for (const entry of entries) {
        const event = securityEventFor(entry, this.#threshold);
        // Delivery retries on its own; scanning moves on so one dead receiver cannot stall paging.
        if (event) {
          void this.#events.raise(event);
          raised += 1;
        }
      }
      if (entries.length < 1000) return raised;
    }
  }

  /** Verify the whole chain; a break pages (once per broken entry in this process). */
  async verifyChain(source: string): Promise<VerifyResult> {
    const result = await this.#audit.verify();
    if (!result.ok && this.#pagedBreak !== result.seq) {
      this.#pagedBreak = result.seq;
      await this.#events.raise(chainBrokenEvent(result, source));
    }
    return result;
  }
}
