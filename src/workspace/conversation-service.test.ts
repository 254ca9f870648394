import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { rowsContaining } from "../../test/helpers/raw-scan.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { openDataKey, openWithDataKey } from "../crypto/data-key.ts";
import { DecryptionError } from "../crypto/aead.ts";
import { Keyring } from "../crypto/keyring.ts";
import { ConversationService, type Member } from "./conversation-service.ts";
import { WorkspaceRetention } from "./workspace-retention.ts";

const canary = "CANARY-conversation-9a4f";

describe("ConversationService", () => {
  let database: TestDatabase;
  let keyring: Keyring;
  let conversations: ConversationService;
  let retention: WorkspaceRetention;
  const alice: Member = { organizationId: "org_a", workspaceId: "ws_a", userId: "user_alice" };
  const bob: Member = { organizationId: "org_a", workspaceId: "ws_a", userId: "user_bob" };
  const mallory: Member = { organizationId: "org_b", workspaceId: "ws_b", userId: "user_alice" };

  beforeAll(async () => {
    database = await testDatabase();
    keyring = new Keyring(database.db, randomBytes(32));
    const audit = new AuditLog(database.db, keyring, { checkpointEvery: 1000 });
    for (const id of ["org_a", "org_b"]) {
      await database.db.insertInto("organizations").values({ id, name: id }).execute();
      await keyring.createOrganizationKey(id);
    }
    conversations = new ConversationService({ db: database.db, keyring, audit });
    retention = new WorkspaceRetention({ db: database.db, audit });
  });
  afterAll(() => database?.close());

  it("[SEC-1] stores titles and messages only as ciphertext", async () => {
    const conversation = await conversations.create(alice, { model: "m", title: `title ${canary}` });
    await conversations.append(alice, conversation.id, { role: "user", content: `hello ${canary}` });
    await conversations.append(alice, conversation.id, {
      role: "assistant",
      content: `answer ${canary}`,
      model: "m",
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    const { summary, messages } = await conversations.get(alice, conversation.id);
    expect(summary.title).toBe(`title ${canary}`);
    expect(messages.map((message) => [message.role, message.content])).toEqual([
      ["user", `hello ${canary}`],
      ["assistant", `answer ${canary}`],
    ]);
    expect(messages[1]!.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2 });
    // Bytea compared as bytes; the positive control finds the conversation's id in its rows. The raw
    // files are read in test/physical-deletion.test.ts (this database is in memory).
    const tables = ["conversations", "messages"];
    expect(Object.keys(await rowsContaining(database.db, tables, { id: conversation.id }))).toEqual(["id"]);
    expect(await rowsContaining(database.db, tables, { canary })).toEqual({});
  });

  it("[CTL-4] only the owner reads a conversation: another user or organisation gets not-found", async () => {
    const conversation = await conversations.create(alice, { model: "m", title: "private" });
    for (const stranger of [bob, mallory]) {
      await expect(conversations.get(stranger, conversation.id)).rejects.toMatchObject({ status: 404 });
      await expect(
        conversations.append(stranger, conversation.id, { role: "user", content: "x" }),
      ).rejects.toMatchObject({
        status: 404,
      });
      await expect(conversations.delete(stranger, conversation.id)).rejects.toMatchObject({ status: 404 });
      expect((await conversations.list(stranger)).data.map((item) => item.id)).not.toContain(conversation.id);
    }
  });

  it("lists with paging and title search", async () => {
    const member: Member = { organizationId: "org_a", workspaceId: "ws_a", userId: "user_pager" };
    for (let index = 0; index < 5; index += 1) {
      await conversations.create(member, {
        model: "m",
        title: index % 2 ? `Budget ${index}` : `Trip ${index}`,
      });
    }
    const first = await conversations.list(member, { limit: 2 });
    expect(first.data).toHaveLength(2);
    const second = await conversations.list(member, { limit: 2, after: first.next! });
    const third = await conversations.list(member, { limit: 2, after: second.next! });
    expect(third.next).toBeNull();
    const all = [...first.data, ...second.data, ...third.data].map((item) => item.title);
    expect(new Set(all).size).toBe(5);
    const found = await conversations.list(member, { search: "budget" });
    expect(found.data.map((item) => item.title).sort()).toEqual(["Budget 1", "Budget 3"]);
  });

  // Crypto-shredding only: the physical erasure of the old key and rows, through the scheduled purge,
  // is proven on raw bytes in test/physical-deletion.test.ts.
  it("[OWN-4] a deleted conversation is unreadable at once through the service and the keyring", async () => {
    const conversation = await conversations.create(alice, { model: "m", title: "to delete" });
    const message = await conversations.append(alice, conversation.id, { role: "user", content: canary });
    const before = await database.db
      .selectFrom("conversations")
      .selectAll()
      .where("id", "=", conversation.id)
      .executeTakeFirstOrThrow();
    const wrappedBefore = before.wrapped_key!;
    await conversations.delete(alice, conversation.id);
    await expect(conversations.get(alice, conversation.id)).rejects.toMatchObject({ status: 404 });
    // Read straight from the database: the key is gone, the ciphertext remains until the purge...
    const after = await database.db
      .selectFrom("conversations")
      .selectAll()
      .where("id", "=", conversation.id)
      .executeTakeFirstOrThrow();
    expect(after.wrapped_key).toBeNull();
    const stored = await database.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", message.id)
      .executeTakeFirstOrThrow();
    // ...and no key that exists can open it: the organisation key opens only the destroyed wrapper,
    // and a guessed key fails authentication.
    const oldKey = await openDataKey(
      keyring,
      "org_a",
      { table: "conversations", row: conversation.id },
      wrappedBefore,
    );
    expect(
      openWithDataKey(
        oldKey,
        { table: "messages", row: message.id, organization: "org_a" },
        stored.content,
      ).toString(),
    ).toBe(canary);
    expect(() =>
      openWithDataKey(
        randomBytes(32),
        { table: "messages", row: message.id, organization: "org_a" },
        stored.content,
      ),
    ).toThrow(DecryptionError);
    // Nothing left in the database opens it: the organisation's keyring fails on it too.
    await expect(
      keyring.open("org_a", { table: "messages", row: message.id }, stored.content),
    ).rejects.toBeInstanceOf(DecryptionError);
    // The purge removes the rows once the deletion window has passed.
    expect(await retention.purge({ now: new Date(Date.now() - 1000) })).toMatchObject({ removed: 0 });
    const counts = await retention.purge({ now: new Date(Date.now() + 3601 * 1000) });
    expect(counts.removed).toBeGreaterThanOrEqual(1);
    expect(
      await database.db
        .selectFrom("messages")
        .select("id")
        .where("conversation_id", "=", conversation.id)
        .execute(),
    ).toEqual([]);
  });

  // The purge's own logic, called with a chosen clock; retention through its schedule, with
  // "forever" and raw scans, is proven in test/physical-deletion.test.ts.
  it("retention's purge expires conversations unused for longer than the workspace keeps them", async () => {
    const member: Member = { organizationId: "org_b", workspaceId: "ws_retained", userId: "user_r" };
    const old = await conversations.create(member, { model: "m", title: "old" });
    const fresh = await conversations.create(member, { model: "m", title: "fresh" });
    await sql`update conversations set updated_at = now() - interval '10 days' where id = ${old.id}`.execute(
      database.db,
    );
    expect((await conversations.get(member, fresh.id)).summary.keptUntil).toBeNull();
    await retention.setRetention("org_b", "ws_retained", 7, "user_admin");
    const keptUntil = (await conversations.get(member, fresh.id)).summary.keptUntil!;
    expect(keptUntil.getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    const counts = await retention.purge();
    expect(counts.expired).toBe(1);
    await expect(conversations.get(member, old.id)).rejects.toMatchObject({ status: 404 });
    expect((await conversations.get(member, fresh.id)).summary.title).toBe("fresh");
    await expect(retention.setRetention("org_b", "ws_retained", 0, "user_admin")).rejects.toMatchObject({
      status: 400,
    });
    const entries = await database.db.selectFrom("audit_entries").select(["action", "metadata"]).execute();
    expect(entries.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["workspace.purged", "workspace.retention_set"]),
    );
    expect(JSON.stringify(entries)).not.toContain(canary);
  });
});
