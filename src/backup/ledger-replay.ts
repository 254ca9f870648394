// Replays the ledger of destroyed keys onto a restored database (OWN-4): every object whose key was
// destroyed, before or after the backup was taken, is destroyed again (its row, which holds the
// wrapped key, and any blob the row names) before the restored platform serves.
import { sql } from "kysely";
import type { LedgerEntry } from "../crypto/key-ledger.ts";
import type { Db } from "../db/database.ts";
import type { BlobStore } from "../files/blob-store.ts";
import { quoteName } from "./database-dump.ts";

async function columnsOf(db: Db, table: string): Promise<Set<string>> {
  const { rows } = await sql<{ name: string }>`
    select column_name as name from information_schema.columns
    where table_schema = 'public' and table_name = ${table}`.execute(db);
  return new Set(rows.map((row) => row.name));
}

/**
 * Deletes the ledger's objects from the database (cascading to what hangs off them: a conversation's
 * messages and shares) and returns the blob keys those rows named, for the caller to remove.
 */
export async function replayLedger(
  db: Db,
  entries: readonly LedgerEntry[],
): Promise<{ rows: number; blobs: string[] }> {
  const byTable = new Map<string, string[]>();
  for (const entry of entries) byTable.set(entry.table, [...(byTable.get(entry.table) ?? []), entry.row]);
  let rows = 0;
  const blobs: string[] = [];
  for (const [table, ids] of byTable) {
    const columns = await columnsOf(db, table);
    if (!columns.has("id")) continue;
    const name = sql.raw(quoteName(table));
    if (columns.has("blob_key")) {
      const named = await sql<{
        key: string;
      }>`select blob_key as key from ${name} where id = any(${ids})`.execute(db);
      blobs.push(...named.rows.map((row) => row.key));
    }
    const deleted = await sql`delete from ${name} where id = any(${ids})`.execute(db);
    rows += Number(deleted.numAffectedRows ?? 0n);
  }
  return { rows, blobs };
}

/** Removes the blobs of replayed rows from the target's store (a restored or an older copy). */
export async function removeBlobs(blobs: BlobStore, keys: readonly string[]): Promise<void> {
  for (const key of keys) await blobs.delete(key);
}
