// Stored responses (/v1/responses with `store`, the default): the response object, its input items and
// the conversation it continues, sealed by the organisation's key and kept no longer than the API
// retention (API-1). Under zero data retention, `store: false` or a zero retention nothing is written
// (API-2), and what was written is unreadable once today's rules say it would have expired. Rows
// deleted (by the client or by retention) are erased physically by the next purge turn.
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import { eraseDeleted } from "../db/physical-erasure.ts";
import type { ChatMessage } from "../inference/language-model.ts";
import "./responses-tables.ts";

const dayMs = 86_400_000;

/** The privacy rules that apply to a project's API traffic: what privacy's settings say. */
export interface RetentionRules {
  zdr: boolean;
  retentionDays: number;
}

export type Json = Record<string, unknown>;

export interface StoredResponse {
  /** The response object as retrieved (OpenAI's shape). */
  response: Json;
  /** The input items, with ids, as `inputItems.list` returns them. */
  inputItems: Json[];
  /** The whole conversation as chat messages, this response's output last: what a next response continues. */
  messages: ChatMessage[];
}

export interface ResponseStoreDependencies {
  db: Db;
  keyring: Keyring;
  /** Today's rules for a project. */
  rules(organizationId: string, projectId: string): Promise<RetentionRules>;
  /** Called after a client deleted a response: its row waits for a purge turn's physical erasure. */
  deleted?(): void;
}

/** Output item ids carry their response's token, so an item_reference finds its response. */
export function itemId(kind: "msg" | "fc" | "rs" | "in", responseId: string, index: number): string {
  return `${kind}_${responseId.replace(/^resp_/, "")}_${index}`;
}

export function responseIdOfItem(id: string): string | null {
  const match = /^(?:msg|fc|rs|in)_([A-Za-z0-9]{8,64})_\d{1,6}$/.exec(id);
  return match ? `resp_${match[1]}` : null;
}

export class ResponseStore {
  readonly #dependencies: ResponseStoreDependencies;
  /** Rows were deleted here since the last physical erasure: the next purge turn erases them. */
  erasurePending = false;

  constructor(dependencies: ResponseStoreDependencies) {
    this.#dependencies = dependencies;
  }

  /**
   * Seals and keeps a response unless the rules forbid it; `admitted` are the rules fixed when the
   * request was admitted, and the stricter of those and today's applies. Returns whether it was kept.
   */
  async save(
    caller: { organizationId: string; projectId: string },
    id: string,
    stored: StoredResponse,
    admitted?: RetentionRules,
  ): Promise<boolean> {
    const { db, keyring } = this.#dependencies;
    const today = await this.#dependencies.rules(caller.organizationId, caller.projectId);
    const zdr = today.zdr || admitted?.zdr === true;
    const days = Math.min(today.retentionDays, admitted?.retentionDays ?? today.retentionDays);
    if (zdr || days <= 0) return false;
    const now = new Date();
    const content = await keyring.seal(
      caller.organizationId,
      { table: "stored_responses", row: id },
      JSON.stringify(stored),
    );
    await db
      .insertInto("stored_responses")
      .values({
        id,
        organization_id: caller.organizationId,
        project_id: caller.projectId,
        content,
        created_at: now,
        expires_at: new Date(now.getTime() + days * dayMs),
      })
      .execute();
    return true;
  }

  /** The organisation's stored response, or null: also another organisation's, or one past retention. */
  async get(organizationId: string, id: string): Promise<StoredResponse | null> {
    const { db, keyring } = this.#dependencies;
    const row = await db
      .selectFrom("stored_responses")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("expires_at", ">", new Date())
      .executeTakeFirst();
    if (!row) return null;
    // A shorter retention or ZDR set since holds at once, before the purge gets to the row.
    const today = await this.#dependencies.rules(organizationId, row.project_id);
    if (today.zdr || row.created_at.getTime() + today.retentionDays * dayMs <= Date.now()) return null;
    const plain = await keyring.open(organizationId, { table: "stored_responses", row: id }, row.content);
    return JSON.parse(plain.toString("utf8")) as StoredResponse;
  }

  async delete(organizationId: string, id: string): Promise<boolean> {
    const deleted = await this.#dependencies.db
      .deleteFrom("stored_responses")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    if (deleted.numDeletedRows === 0n) return false;
    this.#dependencies.keyring.destroyed(organizationId, [{ table: "stored_responses", row: id }]);
    this.erasurePending = true;
    this.#dependencies.deleted?.();
    return true;
  }

  /**
   * Deletes what has expired, then erases the deleted rows physically (the table rewritten, the WAL
   * that held them retired) when this turn or a client's delete removed any; returns how many expired.
   */
  async purge(now: Date = new Date()): Promise<number> {
    const { db } = this.#dependencies;
    const deleted = await db.deleteFrom("stored_responses").where("expires_at", "<=", now).executeTakeFirst();
    const purged = Number(deleted.numDeletedRows);
    if (purged > 0 || this.erasurePending) {
      // Pending until the erasure is done: a failed one is tried again by the next turn.
      this.erasurePending = true;
      await eraseDeleted(db, ["stored_responses"]);
      this.erasurePending = false;
    }
    return purged;
  }

  /** The organisation's stored responses, oldest first, still within today's retention. */
  async list(
    organizationId: string,
  ): Promise<Array<{ id: string; createdAt: Date; stored: StoredResponse }>> {
    const rows = await this.#dependencies.db
      .selectFrom("stored_responses")
      .select("id")
      .where("organization_id", "=", organizationId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const listed = [];
    for (const { id } of rows) {
      const stored = await this.get(organizationId, id);
      if (stored) listed.push({ id, createdAt: new Date(Number(stored.response.created_at) * 1000), stored });
    }
    return listed;
  }
}
