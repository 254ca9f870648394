// A vector store's activity and `expires_after` (issue 20): searching a collection or adding a file to
// it marks it active, and one that expires some days after its last activity has its time moved on.
// The purge (document-purge.ts) destroys a collection whose time is up, as a deletion would.
import { sql } from "kysely";
import type { Db } from "../../db/database.ts";
import type { CollectionRow } from "./collection-rows.ts";
import { libraryErrors } from "./library-errors.ts";

/** Marks written at most this often per collection: a busy store's searches write nothing more. */
const touchEveryMs = 60_000;

export const dayMs = 86_400_000;

/** True when the collection expires after inactivity and its time is up (the purge has yet to run). */
export function hasExpired(row: Pick<CollectionRow, "expires_after_days" | "expires_at">, now = new Date()) {
  return row.expires_after_days !== null && row.expires_at !== null && row.expires_at <= now;
}

/** Refuses to use an expired vector store (it is reported as expired until the purge removes it). */
export function checkNotExpired(row: CollectionRow): CollectionRow {
  if (hasExpired(row)) throw libraryErrors.expired(row.id);
  return row;
}

/** Marks the collections active now, moving the expiry of those that expire after inactivity. */
export async function touchCollections(db: Db, rows: readonly CollectionRow[]): Promise<void> {
  const stale = rows.filter((row) => Date.now() - row.last_active_at.getTime() >= touchEveryMs);
  if (stale.length === 0) return;
  await db
    .updateTable("document_collections")
    .set({
      last_active_at: sql<Date>`clock_timestamp()`,
      expires_at: sql<Date | null>`case when expires_after_days is null then expires_at
        else clock_timestamp() + expires_after_days * interval '1 day' end`,
    })
    .where(
      "id",
      "in",
      stale.map((row) => row.id),
    )
    .where("wrapped_key", "is not", null)
    .execute();
}

/** The columns that set (a number of days) or clear (null) expiry after inactivity, from the last activity. */
export function expiryAfter(days: number | null) {
  if (days === null) return { expires_after_days: null, expires_at: null };
  if (!Number.isInteger(days) || days < 1 || days > 365)
    throw libraryErrors.invalid(
      "'expires_after.days' must be a whole number from 1 to 365.",
      "expires_after",
    );
  return {
    expires_after_days: days,
    expires_at: sql<Date>`last_active_at + ${days} * interval '1 day'`,
  };
}
