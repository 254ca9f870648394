// Physical erasure (OWN-4, API-1): after rows are deleted or their keys nulled, PostgreSQL still holds
// the old bytes in dead tuples, free space, old index entries and TOAST, and in the write-ahead log.
// `eraseDeleted` rewrites the tables that held them (VACUUM FULL writes a new file with the live rows
// only and drops the old one, its indexes and TOAST with it), then makes the WAL that recorded them
// go away: a checkpoint, a switch to a new segment, and a second checkpoint, after which PostgreSQL
// removes every segment before it. Removing, not recycling: with `wal_recycle` on, an old segment is
// renamed for reuse with its bytes intact, so the embedded database runs with it off, and on a server
// it must be off too (checked here; a server where it is on fails the erasure, which is reported).
// On a server, VACUUM FULL keeps a deleted row that another session's snapshot may still see (a long
// transaction, or another table's VACUUM FULL running at that moment), so the erasure first waits
// for every older snapshot in the database to end; one that outlasts the wait fails the erasure, and
// the purge that called it erases again on its next turn.
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { isEmbedded, type Db } from "./database.ts";

export type ErasureStep = "horizon" | "vacuum" | "checkpoint" | "switch_wal" | "wal_recycle";

/** How long an erasure waits for older snapshots to end before it gives up until the next turn. */
const horizonWaitMs = 60_000;

/** Why an erasure could not complete: the step that failed, never any data. */
export class ErasureError extends Error {
  override readonly name = "ErasureError";
  readonly step: ErasureStep;
  constructor(step: ErasureStep, message: string) {
    super(message);
    this.step = step;
  }
}

const tableName = /^[a-z_][a-z0-9_]*$/;

async function step<T>(name: ErasureStep, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ErasureError) throw error;
    // PostgreSQL's message names the relation or the privilege missing, never row data.
    const reason = error instanceof Error ? error.message : String(error);
    throw new ErasureError(name, `physical erasure failed at ${name}: ${reason}`);
  }
}

/**
 * Rewrite `tables` and retire the WAL that recorded their old rows. Slow on big tables (VACUUM FULL
 * holds an exclusive lock while it copies), so callers run it once per purge, after its deletes.
 * On a server the role needs CHECKPOINT (pg_checkpoint) and EXECUTE on pg_switch_wal.
 */
export async function eraseDeleted(
  db: Db,
  tables: readonly string[],
  options: { horizonWaitMs?: number } = {},
): Promise<void> {
  for (const table of tables) if (!tableName.test(table)) throw new Error(`not a table name: ${table}`);
  await step("horizon", () => olderSnapshotsEnded(db, options.horizonWaitMs ?? horizonWaitMs));
  for (const table of tables) await step("vacuum", () => sql.raw(`vacuum full ${table}`).execute(db));
  const recycle = await step("wal_recycle", () =>
    sql<{ setting: string }>`select current_setting('wal_recycle') as setting`.execute(db),
  );
  await step("checkpoint", () => sql`checkpoint`.execute(db));
  await step("switch_wal", () => sql`select pg_switch_wal()`.execute(db));
  await step("checkpoint", () => sql`checkpoint`.execute(db));
  if (recycle.rows[0]?.setting !== "off") {
    throw new ErasureError(
      "wal_recycle",
      "wal_recycle is on: retired WAL segments are renamed for reuse and keep deleted rows; set wal_recycle = off",
    );
  }
}

/**
 * Waits until no other session of this database holds a snapshot or transaction older than now, so
 * that every row deleted before the call is dead to all of them and VACUUM FULL drops it. The
 * embedded database has one session, this one. Lazy (auto)vacuum's snapshots do not hold rows back.
 */
async function olderSnapshotsEnded(db: Db, waitMs: number): Promise<void> {
  if (isEmbedded(db)) return;
  const now = await sql<{ xid: string }>`select xid(pg_current_xact_id())::text as xid`.execute(db);
  const xid = now.rows[0]!.xid;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const older = await sql<{ sessions: number }>`
      select count(*)::int as sessions from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()
        and backend_type <> 'autovacuum worker'
        and (age(backend_xmin) > age(${xid}::xid) or age(backend_xid) > age(${xid}::xid))`.execute(db);
    const sessions = older.rows[0]!.sessions;
    if (sessions === 0) return;
    if (Date.now() >= deadline) {
      throw new ErasureError(
        "horizon",
        `physical erasure failed at horizon: ${sessions} session(s) held a snapshot older than the deletes for ${waitMs} ms`,
      );
    }
    await sleep(100);
  }
}
