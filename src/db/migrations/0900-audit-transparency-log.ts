// The audit log becomes a transparency log: its entries form an RFC 6962 Merkle tree (every perfect
// subtree stored), and checkpoints become C2SP signed notes made with a key outside the database. An
// existing log's hash chain is verified first, every entry is kept, and what the check found is the
// first entry of the new tree. The old checkpoints and the signing key the database held are dropped:
// they proved nothing against someone with the database.
//
// This file is frozen history: it computes the hashes itself rather than importing src/audit, whose
// code may change after this migration has run.
import { createHash } from "node:crypto";
import { sql, type Kysely } from "kysely";

interface LegacyEntry {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  organization_id: string | null;
  metadata: string;
  prev_hash: string;
  hash: string;
}

interface MigrationDatabase {
  audit_entries: Omit<LegacyEntry, "prev_hash" | "hash">;
  audit_tree_nodes: { level: number; position: number; hash: Buffer };
}

const batch = 1000;

/** The entry's canonical JSON: the old chain hashed it, and the new tree's leaf is its bytes. */
function canonical(entry: Omit<LegacyEntry, "prev_hash" | "hash">): string {
  return JSON.stringify([
    entry.seq,
    entry.at.toISOString(),
    entry.actor,
    entry.action,
    entry.target,
    entry.organization_id,
    entry.metadata,
  ]);
}

function sha256(...parts: Array<Buffer | string>): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** Builds the tree leaf by leaf and returns each perfect subtree as it completes. */
class Tree {
  readonly stack: Array<{ level: number; hash: Buffer }> = [];
  size = 0;

  push(leaf: Buffer): Array<{ level: number; position: number; hash: Buffer }> {
    const rows = [];
    let level = 0;
    let hash = leaf;
    let position = this.size;
    for (;;) {
      rows.push({ level, position, hash });
      const top = this.stack.at(-1);
      if (!top || top.level !== level) break;
      this.stack.pop();
      hash = sha256(Buffer.of(1), top.hash, hash);
      level += 1;
      position = Math.floor(position / 2);
    }
    this.stack.push({ level, hash });
    this.size += 1;
    return rows;
  }
}

export async function up(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as unknown as Kysely<MigrationDatabase>;
  await untyped.schema
    .createTable("audit_tree_nodes")
    .addColumn("level", "smallint", (column) => column.notNull())
    .addColumn("position", "bigint", (column) => column.notNull())
    .addColumn("hash", "bytea", (column) => column.notNull())
    .addPrimaryKeyConstraint("audit_tree_nodes_pk", ["level", "position"])
    .execute();

  const tree = new Tree();
  let previous = "0".repeat(64);
  let firstBad: { seq: number; problem: string } | null = null;
  for (let after = 0; ;) {
    const { rows } = await sql<LegacyEntry>`
      select seq, at, actor, action, target, organization_id, metadata, prev_hash, hash
      from audit_entries where seq > ${after} order by seq limit ${batch}`.execute(untyped);
    if (rows.length === 0) break;
    const nodes = [];
    for (const row of rows) {
      const seq = Number(row.seq);
      const entry = { ...row, seq };
      const text = canonical(entry);
      if (!firstBad) {
        if (seq !== tree.size + 1) firstBad = { seq: tree.size + 1, problem: "missing" };
        else if (row.prev_hash !== previous) firstBad = { seq, problem: "link_broken" };
        else if (sha256(previous, "\n", text).toString("hex") !== row.hash)
          firstBad = { seq, problem: "hash_mismatch" };
      }
      previous = row.hash;
      // Every entry is kept as it is, at its own place: a gap in the old numbering stays a gap, and the
      // new verification names it, just as the record below does.
      while (tree.size + 1 < seq) nodes.push(...tree.push(sha256(Buffer.of(0), "")));
      nodes.push(...tree.push(sha256(Buffer.of(0), text)));
    }
    for (let offset = 0; offset < nodes.length; offset += batch) {
      await db
        .insertInto("audit_tree_nodes")
        .values(nodes.slice(offset, offset + batch))
        .execute();
    }
    after = Number(rows.at(-1)!.seq);
  }

  await untyped.schema.alterTable("audit_entries").dropColumn("prev_hash").execute();
  await untyped.schema.alterTable("audit_entries").dropColumn("hash").execute();
  await untyped.schema.dropTable("audit_checkpoints").execute();
  await untyped.schema
    .createTable("audit_checkpoints")
    .addColumn("tree_size", "bigint", (column) => column.primaryKey())
    .addColumn("root_hash", "bytea", (column) => column.notNull())
    .addColumn("note", "text", (column) => column.notNull())
    .addColumn("at", "timestamptz", (column) => column.notNull())
    .execute();
  await sql`delete from system_keys where name = 'audit-signing-key'`.execute(untyped);

  if (tree.size === 0) return;
  // What the old chain's check found, as the first entry of the new tree: a break stays on record.
  const entry = {
    seq: tree.size + 1,
    at: new Date(),
    actor: "system",
    action: "audit.tree_built",
    target: null,
    organization_id: null,
    metadata: JSON.stringify({
      legacy_entries: tree.size,
      legacy_chain: firstBad ? "broken" : "intact",
      legacy_first_bad_entry: firstBad?.seq ?? null,
      legacy_problem: firstBad?.problem ?? null,
    }),
  };
  await db.insertInto("audit_entries").values(entry).execute();
  await db
    .insertInto("audit_tree_nodes")
    .values(tree.push(sha256(Buffer.of(0), canonical(entry))))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error(
    "The audit log cannot go back to a hash chain: its old checkpoints were signed by a key that is gone.",
  );
}
