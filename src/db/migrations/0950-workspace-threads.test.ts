// The message-tree migration turns each existing conversation into one branch: every message follows
// the one before it, and the last one is shown.
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../../test/helpers/database.ts";
import { down, up } from "./0950-workspace-threads.ts";

describe("migration 0950-workspace-threads", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(() => database?.close());

  it("migrates existing conversations to one branch each", async () => {
    const db = database.db as unknown as Kysely<unknown>;
    // Back to the state before it, with conversations written then.
    await down(db);
    await sql`insert into organizations (id, name) values ('org_m', 'm')`.execute(db);
    for (const conversation of ["conv_a", "conv_b", "conv_empty"])
      await sql`insert into conversations (id, organization_id, workspace_id, user_id, wrapped_key, model)
        values (${conversation}, 'org_m', 'ws', 'user', '\\x00'::bytea, 'm')`.execute(db);
    const messages = [
      ["msg_a1", "conv_a", 1, "user"],
      ["msg_a2", "conv_a", 2, "assistant"],
      ["msg_a3", "conv_a", 3, "user"],
      ["msg_b1", "conv_b", 1, "user"],
    ] as const;
    for (const [id, conversation, seq, role] of messages)
      await sql`insert into messages (id, conversation_id, organization_id, seq, role, content)
        values (${id}, ${conversation}, 'org_m', ${seq}, ${role}, '\\x00'::bytea)`.execute(db);

    await up(db);
    const rows = await sql<{ id: string; parent_id: string | null; stopped: boolean }>`
      select id, parent_id, stopped from messages order by id`.execute(db);
    expect(rows.rows).toEqual([
      { id: "msg_a1", parent_id: null, stopped: false },
      { id: "msg_a2", parent_id: "msg_a1", stopped: false },
      { id: "msg_a3", parent_id: "msg_a2", stopped: false },
      { id: "msg_b1", parent_id: null, stopped: false },
    ]);
    const conversations = await sql<{ id: string; active_message_id: string | null }>`
      select id, active_message_id from conversations order by id`.execute(db);
    expect(conversations.rows).toEqual([
      { id: "conv_a", active_message_id: "msg_a3" },
      { id: "conv_b", active_message_id: "msg_b1" },
      { id: "conv_empty", active_message_id: null },
    ]);
  });
});
