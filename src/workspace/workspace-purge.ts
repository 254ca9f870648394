// One turn of the workspace's scheduled purge (OWN-3, OWN-4): retention expires conversations, the
// rows of those deleted longer ago than the deletion window go, shares whose conversation is gone or
// whose time is up lose their keys, and then, when anything was deleted or destroyed since the last
// erasure, the tables are rewritten and the old WAL retired, so no copy of a deleted conversation's
// keys or ciphertext stays readable in the database's files (see db/physical-erasure.ts).
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { eraseDeleted } from "../db/physical-erasure.ts";
import type { ConversationDeletion } from "./conversation-deletion.ts";
import type { ConversationShares } from "./conversation-shares.ts";
import type { WorkspaceRetention } from "./workspace-retention.ts";

/** The tables a deleted conversation's bytes live in: keys, titles, prompts, messages, shares. */
export const conversationTables = [
  "conversations",
  "messages",
  "conversation_shares",
  "workspace_preferences",
] as const;

export interface WorkspacePurgeResult {
  expired: number;
  removed: number;
  sharesClosed: number;
  erased: boolean;
}

export class WorkspacePurge {
  readonly #db: Db;
  readonly #retention: WorkspaceRetention;
  readonly #shares: ConversationShares;
  readonly #deletion: ConversationDeletion | null;
  readonly #deletionWindowMs: number;
  /**
   * When the last erasure of this process began; null until one ran, so a process's first turn
   * always erases (what a crashed node deleted without erasing is caught here).
   */
  #erasedFrom: Date | null = null;
  /** A turn deleted rows and its erasure failed: the next turn erases whatever it finds. */
  #pending = false;
  /** A user's custom instructions were replaced or deleted (no timestamp says so): erase that table. */
  #preferencesChanged = false;
  /** Turns finished (erasure included), for tests and the benchmark to wait on. */
  completed = 0;

  constructor(dependencies: {
    db: Db;
    retention: WorkspaceRetention;
    shares: ConversationShares;
    deletionWindowMs: number;
    /** Told of conversations retention expires, so what goes with them goes too. */
    deletion?: ConversationDeletion;
  }) {
    this.#db = dependencies.db;
    this.#retention = dependencies.retention;
    this.#shares = dependencies.shares;
    this.#deletion = dependencies.deletion ?? null;
    this.#deletionWindowMs = dependencies.deletionWindowMs;
  }

  async run(now: Date = new Date()): Promise<WorkspacePurgeResult> {
    // The database's clock, the one `deleted_at` and `revoked_at` are written with.
    const clock = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(this.#db);
    const started = clock.rows[0]!.now;
    // Pending until this turn's erasure is done: a turn that fails after deleting leaves it set.
    const pending = this.#pending;
    this.#pending = true;
    const preferencesChanged = this.#preferencesChanged;
    this.#preferencesChanged = false;
    const counts = await this.#retention.purge({
      deletionWindowMs: this.#deletionWindowMs,
      now,
      expired: async (organizationId, ids) => this.#deletion?.gone(organizationId, ids),
    });
    const sharesClosed = await this.#shares.sweep(now);
    const destroyed = counts.expired + counts.removed + sharesClosed > 0;
    if (!destroyed && !pending && !(await this.#deletedSince(this.#erasedFrom))) {
      // Only the preferences table held what went: rewrite it alone, not every conversation's rows.
      if (preferencesChanged) await eraseDeleted(this.#db, ["workspace_preferences"]);
      this.#pending = false;
      this.completed += 1;
      return { ...counts, sharesClosed, erased: preferencesChanged };
    }
    await eraseDeleted(this.#db, conversationTables);
    this.#pending = false;
    this.#erasedFrom = started;
    this.completed += 1;
    return { ...counts, sharesClosed, erased: true };
  }

  /**
   * A user's custom instructions were replaced or deleted (committed): their old key and ciphertext
   * stay in the table's files until the next turn rewrites it.
   */
  preferencesChanged(): void {
    this.#preferencesChanged = true;
  }

  /** Whether a conversation was deleted or a share revoked (keys nulled) since `since`. */
  async #deletedSince(since: Date | null): Promise<boolean> {
    if (since === null) return true;
    const result = await sql<{ found: boolean }>`
      select exists(select 1 from conversations where deleted_at >= ${since})
          or exists(select 1 from conversation_shares where revoked_at >= ${since}) as found`.execute(
      this.#db,
    );
    return result.rows[0]?.found === true;
  }
}
