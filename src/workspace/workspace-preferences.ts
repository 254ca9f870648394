// A user's own workspace settings: custom instructions sent with every chat, sealed under the user's
// own data key (wrapped by the organisation key), so they are never plaintext at rest either.
import { sql } from "kysely";
import type { ConversationStore } from "./conversation-store.ts";
import { maxInstructions, type Member } from "./conversation-types.ts";
import { workspaceErrors } from "./workspace-errors.ts";

const table = "workspace_preferences";

export interface Preferences {
  instructions: string | null;
}

export class WorkspacePreferences {
  readonly #store: ConversationStore;
  /** Told after a user's instructions were replaced or deleted (the purge erases the old ones). */
  readonly changed: Array<() => void> = [];

  constructor(store: ConversationStore) {
    this.#store = store;
  }

  #row(member: Member): string {
    return `${member.organizationId}/${member.userId}`;
  }

  async get(member: Member): Promise<Preferences> {
    const row = await this.#store.db
      .selectFrom(table)
      .select(["wrapped_key", "instructions"])
      .where("organization_id", "=", member.organizationId)
      .where("user_id", "=", member.userId)
      .executeTakeFirst();
    if (!row?.instructions) return { instructions: null };
    const key = await this.#store.keyAt(member, table, this.#row(member), row.wrapped_key);
    const instructions = this.#store.open(
      key,
      member,
      `${table}.instructions`,
      this.#row(member),
      row.instructions,
    );
    return { instructions: instructions.toString("utf8") };
  }

  /** Set (or with null or blank text remove) the custom instructions. */
  async set(member: Member, preferences: Preferences): Promise<Preferences> {
    const instructions = preferences.instructions?.trim() || null;
    if (instructions && instructions.length > maxInstructions)
      throw workspaceErrors.invalid(
        `Custom instructions are at most ${maxInstructions} characters.`,
        "instructions",
      );
    if (instructions === null) {
      await this.#store.db
        .deleteFrom(table)
        .where("organization_id", "=", member.organizationId)
        .where("user_id", "=", member.userId)
        .execute();
      this.notifyChanged();
      return { instructions: null };
    }
    // A new key each time: the old ciphertext and its key leave together.
    const { key, wrapped } = await this.#store.newKeyAt(member, table, this.#row(member));
    const sealed = this.#store.seal(key, member, `${table}.instructions`, this.#row(member), instructions);
    await this.#store.db
      .insertInto(table)
      .values({
        organization_id: member.organizationId,
        user_id: member.userId,
        wrapped_key: wrapped,
        instructions: sealed,
      })
      .onConflict((conflict) =>
        conflict
          .columns(["organization_id", "user_id"])
          .doUpdateSet({ wrapped_key: wrapped, instructions: sealed, updated_at: sql<Date>`now()` }),
      )
      .execute();
    this.notifyChanged();
    return { instructions };
  }

  /** Tells `changed`; also called when a user's row goes with the user (conversation-service.ts). */
  notifyChanged(): void {
    for (const listener of this.changed) listener();
  }
}
