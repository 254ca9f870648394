// Physical erasure of deleted people (OWN-4, CTL-1). Deleting a user (SCIM) deletes their rows, but
// PostgreSQL keeps the old bytes, an email address, a display name, an IdP's external id, in dead
// tuples and the WAL until the table is rewritten (see db/physical-erasure.ts). The workspace's purge
// rewrites its own tables when a conversation was deleted, so a user with no conversations left it
// nothing to see, and the identity tables were never rewritten at all. This task rewrites them on its
// next turn after a deletion, and on every process's first turn, which catches what a node that
// crashed after deleting never erased.
import type { Db } from "../db/database.ts";
import { eraseDeleted } from "../db/physical-erasure.ts";

/**
 * The tables a deleted user's identifying bytes live in: the user row (email, display name, password
 * hash), the IdP's external ids, one-time links (an email), and their memberships. Sessions and API
 * keys hold only hashes and the user's random id, and are read on every request, so they are not
 * rewritten (VACUUM FULL locks a table while it copies).
 */
export const identityTables = [
  "users",
  "user_external_ids",
  "account_links",
  "memberships",
  "group_members",
] as const;

export class IdentityErasure {
  readonly #db: Db;
  /** True until a turn erased: a process's first turn always erases. */
  #pending = true;
  /** Turns finished, for tests to wait on. */
  completed = 0;

  constructor(db: Db) {
    this.#db = db;
  }

  /** A user's rows were deleted (committed): the next turn rewrites the tables. */
  deleted(): void {
    this.#pending = true;
  }

  /** One turn: erases when a deletion happened since the last erasure. */
  async run(): Promise<void> {
    const erase = this.#pending;
    // Cleared first, so a deletion committed while this turn erases is erased by the next.
    this.#pending = false;
    try {
      if (erase) await eraseDeleted(this.#db, identityTables);
    } catch (error) {
      this.#pending = true;
      throw error;
    }
    this.completed += 1;
  }
}
