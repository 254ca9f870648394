// The workspace's message tree, search, custom instructions and shares, at the service: edits and
// regenerated answers keep every branch (and survive export and import, version 1 too); search finds
// words in messages with nothing but ciphertext at rest; shares open only inside the organisation.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import { exportDigest } from "./conversation-export-format.ts";
import { ConversationService } from "./conversation-service.ts";
import { branchOf, type Member } from "./conversation-types.ts";

const canary = "CANARY-threads-71b4";
const allowed = async () => true;

/** Every row of the workspace's tables as bytes: what a scan of the disk would see. */
async function atRest(db: TestDatabase["db"]): Promise<Buffer[]> {
  const cells: Buffer[] = [];
  for (const table of ["conversations", "messages", "workspace_preferences", "conversation_shares"]) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    for (const row of rows.rows)
      for (const value of Object.values(row))
        if (value !== null) cells.push(Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
  }
  return cells;
}

describe("conversation threads, search, instructions and shares", () => {
  let database: TestDatabase;
  let conversations: ConversationService;
  const alice: Member = { organizationId: "org_a", workspaceId: "ws_a", userId: "user_alice" };
  const bob: Member = { organizationId: "org_a", workspaceId: "ws_a", userId: "user_bob" };
  const mallory: Member = { organizationId: "org_b", workspaceId: "ws_b", userId: "user_mallory" };

  beforeAll(async () => {
    database = await testDatabase();
    const keyring = new Keyring(database.db, randomBytes(32));
    const audit = new AuditLog(database.db, keyring, { checkpointEvery: 1000 });
    for (const id of ["org_a", "org_b"]) {
      await database.db.insertInto("organizations").values({ id, name: id }).execute();
      await keyring.createOrganizationKey(id);
    }
    conversations = new ConversationService({ db: database.db, keyring, audit });
  });
  afterAll(() => database?.close());

  it("keeps every branch: an edit and a regenerated answer are siblings, and either can be shown", async () => {
    const { id } = await conversations.create(alice, { model: "m", title: "branches" });
    const question = await conversations.append(alice, id, { role: "user", content: "first question" });
    const answer = await conversations.append(alice, id, { role: "assistant", content: "answer one" });
    const again = await conversations.append(alice, id, {
      role: "assistant",
      content: "answer two",
      parentId: question.id,
    });
    const edit = await conversations.append(alice, id, { role: "user", content: "edited", parentId: null });
    let read = await conversations.get(alice, id);
    expect(read.messages).toHaveLength(4);
    expect(read.activeMessageId).toBe(edit.id);
    expect(branchOf(read.messages, read.activeMessageId).map((message) => message.content)).toEqual([
      "edited",
    ]);
    expect(again.parentId).toBe(question.id);
    // Back to the first question: its newest answer is shown.
    read = await conversations.selectBranch(alice, id, question.id);
    expect(branchOf(read.messages, read.activeMessageId).map((message) => message.content)).toEqual([
      "first question",
      "answer two",
    ]);
    read = await conversations.selectBranch(alice, id, answer.id);
    expect(read.activeMessageId).toBe(answer.id);
    await expect(
      conversations.append(alice, id, { role: "user", content: "x", parentId: "msg_elsewhere" }),
    ).rejects.toMatchObject({ status: 400 });

    // Export and import carry the tree; a version 1 export is read as one line.
    const exported = await conversations.export(alice);
    const mine = exported.conversations.find((conversation) => conversation.id === id)!;
    expect(mine.messages.map((message) => message.parent_id)).toEqual([null, question.id, question.id, null]);
    const imported = await conversations.import(bob, exported);
    const copy = await conversations.get(bob, imported.conversations.find((c) => c.source_id === id)!.id);
    expect(branchOf(copy.messages, copy.activeMessageId).map((message) => message.content)).toEqual([
      "first question",
      "answer one",
    ]);
    expect(copy.messages.filter((message) => message.parentId === copy.messages[0]!.id)).toHaveLength(2);
    const { digest: _digest, ...v2 } = exported;
    const v1Body = {
      ...v2,
      version: 1 as const,
      conversations: v2.conversations.map(
        ({ system_prompt: _s, pinned: _p, active_message_id: _a, ...conversation }) => ({
          ...conversation,
          messages: conversation.messages.map(
            ({ parent_id: _parent, stopped: _stopped, ...message }) => message,
          ),
        }),
      ),
    };
    const v1 = { ...v1Body, digest: { ...exported.digest, value: exportDigest(v1Body) } };
    const fromV1 = await conversations.import(bob, v1);
    const line = await conversations.get(bob, fromV1.conversations.find((c) => c.source_id === id)!.id);
    expect(line.messages.map((message) => message.parentId)).toEqual([
      null,
      line.messages[0]!.id,
      line.messages[1]!.id,
      line.messages[2]!.id,
    ]);
    expect(line.activeMessageId).toBe(line.messages[3]!.id);
  });

  it("[SEC-1] searches titles and message content with nothing but ciphertext at rest, and pins", async () => {
    const member: Member = { organizationId: "org_a", workspaceId: "ws_a", userId: "user_searcher" };
    const target = await conversations.create(member, { model: "m", title: "Holiday plans" });
    await conversations.append(member, target.id, {
      role: "user",
      content: `the ${canary} budget for Lisbon`,
    });
    for (let index = 0; index < 3; index += 1)
      await conversations.create(member, { model: "m", title: `Other ${index}` });
    const found = await conversations.list(member, { search: canary.toLowerCase() });
    expect(found.data.map((summary) => summary.id)).toEqual([target.id]);
    expect(found.snippets?.[target.id]).toContain(canary);
    expect(found.scanned).toBe(4);
    expect((await conversations.list(member, { search: "holiday" })).snippets).toEqual({ [target.id]: null });
    // Pinned ones are listed apart.
    await conversations.update(member, target.id, { pinned: true });
    expect((await conversations.list(member, { pinned: true })).data.map((item) => item.id)).toEqual([
      target.id,
    ]);
    expect((await conversations.list(member, { pinned: false })).data.map((item) => item.id)).not.toContain(
      target.id,
    );
    // Positive control: the scan reads every cell of the tables, and finds a planted plaintext canary.
    const needle = Buffer.from(canary);
    await database.db
      .updateTable("conversations")
      .set({ model: `control ${canary}` })
      .where("id", "=", target.id)
      .execute();
    expect((await atRest(database.db)).some((cell) => cell.includes(needle))).toBe(true);
    await database.db.updateTable("conversations").set({ model: "m" }).where("id", "=", target.id).execute();
    expect((await atRest(database.db)).some((cell) => cell.includes(needle))).toBe(false);
  });

  it("[SEC-1] custom instructions and a chat's system prompt are sealed at rest", async () => {
    await conversations.preferences.set(alice, { instructions: `Call me Al ${canary}` });
    expect(await conversations.preferences.get(alice)).toEqual({ instructions: `Call me Al ${canary}` });
    expect(await conversations.preferences.get(bob)).toEqual({ instructions: null });
    const { id } = await conversations.create(alice, { model: "m" });
    await conversations.update(alice, id, { systemPrompt: `Be terse ${canary}` });
    expect((await conversations.get(alice, id)).systemPrompt).toBe(`Be terse ${canary}`);
    const needle = Buffer.from(canary);
    expect((await atRest(database.db)).some((cell) => cell.includes(needle))).toBe(false);
    await conversations.preferences.set(alice, { instructions: null });
    expect(await conversations.preferences.get(alice)).toEqual({ instructions: null });
  });

  it("[CTL-2] [CTL-4] a share opens for members of the organisation only, until revoked, expired or deleted", async () => {
    const { id } = await conversations.create(alice, { model: "m", title: "shared plan" });
    await conversations.append(alice, id, { role: "user", content: `share me ${canary}` });
    await conversations.append(alice, id, { role: "assistant", content: "shared answer" });
    const share = await conversations.shares.create(alice, id, { expiresInDays: 7 });
    const opened = await conversations.shares.open(bob, share.id, allowed);
    expect(opened).toMatchObject({ title: "shared plan", sharedBy: alice.userId });
    expect(opened.messages.map((message) => message.content)).toEqual([
      `share me ${canary}`,
      "shared answer",
    ]);
    // Another organisation, or a sharing switch turned off for the owner: as if there were no share.
    await expect(conversations.shares.open(mallory, share.id, allowed)).rejects.toMatchObject({
      status: 404,
    });
    await expect(conversations.shares.open(bob, share.id, async () => false)).rejects.toMatchObject({
      status: 404,
    });
    // Only the owner lists or revokes.
    await expect(conversations.shares.list(bob, id)).rejects.toMatchObject({ status: 404 });
    await expect(conversations.shares.revoke(bob, share.id)).rejects.toMatchObject({ status: 404 });
    expect(await conversations.shares.list(alice, id)).toMatchObject([{ id: share.id, revoked: false }]);
    const needle = Buffer.from(canary);
    expect((await atRest(database.db)).some((cell) => cell.includes(needle))).toBe(false);

    await conversations.shares.revoke(alice, share.id);
    await expect(conversations.shares.open(bob, share.id, allowed)).rejects.toMatchObject({ status: 404 });
    expect(await conversations.shares.list(alice, id)).toMatchObject([{ id: share.id, revoked: true }]);

    // Expired: refused at once, and the sweep destroys its key.
    const expiring = await conversations.shares.create(alice, id, { expiresInDays: 1 });
    await database.db
      .updateTable("conversation_shares")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", expiring.id)
      .execute();
    await expect(conversations.shares.open(bob, expiring.id, allowed)).rejects.toMatchObject({ status: 404 });
    expect(await conversations.shares.sweep()).toBeGreaterThanOrEqual(1);

    // Deleting the conversation destroys its shares' keys in the same transaction.
    const last = await conversations.shares.create(alice, id, { expiresInDays: null });
    await conversations.delete(alice, id);
    await expect(conversations.shares.open(bob, last.id, allowed)).rejects.toMatchObject({ status: 404 });
    const rows = await database.db
      .selectFrom("conversation_shares")
      .select(["wrapped_key", "snapshot"])
      .where("conversation_id", "=", id)
      .execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.wrapped_key === null && row.snapshot === null)).toBe(true);
    const audit = await database.db
      .selectFrom("audit_entries")
      .select(["action", "target", "metadata"])
      .where("action", "like", "conversation.share%")
      .execute();
    expect(audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining([
        "conversation.shared",
        "conversation.share_opened",
        "conversation.share_revoked",
      ]),
    );
    expect(JSON.stringify(audit)).not.toContain(canary);
  });
});
