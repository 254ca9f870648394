// What someone with write access to the database alone can do to the audit log: change, cut, wipe and
// reorder entries, recompute every hash that needs no signing key, and delete the checkpoints' copies.
// Written from RFC 6962 here, independently of src/audit, so it also checks the log's format.
import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../../src/db/database.ts";

const sha256 = (...parts: Array<Buffer | string>) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};

interface EntryRow {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  organization_id: string | null;
  metadata: string;
}

/** An entry's leaf input as the README documents it. */
export function leafInput(row: EntryRow): string {
  return JSON.stringify([
    row.seq,
    row.at.toISOString(),
    row.actor,
    row.action,
    row.target,
    row.organization_id,
    row.metadata,
  ]);
}

/** Rebuild every stored subtree from the entries as they now are, as an intruder would after editing. */
export async function recomputeTree(db: Db): Promise<void> {
  const { rows } = await sql<EntryRow>`
    select seq, at, actor, action, target, organization_id, metadata from audit_entries order by seq`.execute(
    db,
  );
  const nodes: Array<{ level: number; position: number; hash: Buffer }> = [];
  let level: Buffer[] = rows.map((row) => sha256(Buffer.of(0), leafInput(row)));
  for (let depth = 0; level.length > 0; depth += 1) {
    level.forEach((hash, position) => nodes.push({ level: depth, position, hash }));
    const next: Buffer[] = [];
    for (let index = 0; index + 1 < level.length; index += 2) {
      next.push(sha256(Buffer.of(1), level[index]!, level[index + 1]!));
    }
    level = next;
  }
  await sql`delete from audit_tree_nodes`.execute(db);
  for (let offset = 0; offset < nodes.length; offset += 500) {
    await db
      .insertInto("audit_tree_nodes")
      .values(nodes.slice(offset, offset + 500))
      .execute();
  }
}

/** Change one character of an entry's target (or give it one), and recompute the whole tree. */
export async function rewriteEntry(db: Db, seq: number, options: { recompute: boolean }): Promise<void> {
  const changed = await sql`
    update audit_entries
    set target = case when target is null or target = '' then 'forged'
                      else left(target, -1) || case when right(target, 1) = 'Z' then 'Y' else 'Z' end end
    where seq = ${seq}`.execute(db);
  if (Number(changed.numAffectedRows) !== 1) throw new Error(`no entry ${seq} to rewrite`);
  if (options.recompute) await recomputeTree(db);
}

/** Swap two entries' contents (each keeps its number), as a reordering would. */
export async function swapEntries(db: Db, first: number, second: number, options: { recompute: boolean }) {
  await sql`
    update audit_entries as entry set at = other.at, actor = other.actor, action = other.action,
      target = other.target, organization_id = other.organization_id, metadata = other.metadata
    from (select seq, at, actor, action, target, organization_id, metadata from audit_entries
          where seq in (${first}, ${second})) as other
    where entry.seq in (${first}, ${second}) and other.seq <> entry.seq`.execute(db);
  if (options.recompute) await recomputeTree(db);
}

/** Delete entries from `fromSeq` on with the checkpoints' copies over them, and recompute the tree. */
export async function cutTail(db: Db, fromSeq: number): Promise<void> {
  await sql`delete from audit_entries where seq >= ${fromSeq}`.execute(db);
  await sql`delete from audit_checkpoints where tree_size >= ${fromSeq}`.execute(db);
  await recomputeTree(db);
}

export async function wipe(db: Db): Promise<void> {
  await sql`delete from audit_entries`.execute(db);
  await sql`delete from audit_tree_nodes`.execute(db);
  await sql`delete from audit_checkpoints`.execute(db);
}

export async function deleteCheckpoints(db: Db): Promise<void> {
  await sql`delete from audit_checkpoints`.execute(db);
}

/** Everything the intruder may touch, to put back after a destructive test. */
export async function snapshotLog(db: Db) {
  const entries = await db.selectFrom("audit_entries").selectAll().execute();
  const nodes = await db.selectFrom("audit_tree_nodes").selectAll().execute();
  const checkpoints = await db.selectFrom("audit_checkpoints").selectAll().execute();
  return async (target: Db) => {
    await wipe(target);
    for (let offset = 0; offset < entries.length; offset += 500)
      await target
        .insertInto("audit_entries")
        .values(entries.slice(offset, offset + 500))
        .execute();
    for (let offset = 0; offset < nodes.length; offset += 500)
      await target
        .insertInto("audit_tree_nodes")
        .values(nodes.slice(offset, offset + 500))
        .execute();
    if (checkpoints.length > 0) await target.insertInto("audit_checkpoints").values(checkpoints).execute();
  };
}
