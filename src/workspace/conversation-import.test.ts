// The user export and its import (OWN-2), at the service: an export holds every message whole; it loads
// into another installation under that installation's keys; a damaged or altered export writes nothing.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { DecryptionError } from "../crypto/aead.ts";
import { openDataKey, openWithDataKey } from "../crypto/data-key.ts";
import { Keyring } from "../crypto/keyring.ts";
import { exportDigest, maxImportBytes, type ConversationExport } from "./conversation-export-format.ts";
import { ConversationService } from "./conversation-service.ts";
import type { Member } from "./conversation-types.ts";
import { WorkspaceRetention } from "./workspace-retention.ts";

const canary = "CANARY-import-5c1d";

/** One installation: its own database and its own master key. */
interface Installation {
  database: TestDatabase;
  keyring: Keyring;
  conversations: ConversationService;
  retention: WorkspaceRetention;
}

async function installation(organizations: string[]): Promise<Installation> {
  const database = await testDatabase();
  const keyring = new Keyring(database.db, randomBytes(32));
  const audit = new AuditLog(database.db, keyring, { checkpointEvery: 1000 });
  for (const id of organizations) {
    await database.db.insertInto("organizations").values({ id, name: id }).execute();
    await keyring.createOrganizationKey(id);
  }
  return {
    database,
    keyring,
    conversations: new ConversationService({ db: database.db, keyring, audit }),
    retention: new WorkspaceRetention({ db: database.db, audit }),
  };
}

/**
 * What must survive export -> import -> export. Documented differences (docs/conversation-export.md):
 * new ids, `updated_at` and `kept_until` (the target's retention clock starts at the import), and the
 * document's own `exported_at`, `source` and `digest`.
 */
function content(document: ConversationExport) {
  return {
    format: document.format,
    version: document.version,
    counts: document.counts,
    conversations: document.conversations.map((conversation) => {
      // Ids are new in the target: the tree is compared by positions instead.
      const position = (id: string | null) =>
        id === null ? null : conversation.messages.findIndex((message) => message.id === id);
      return {
        title: conversation.title,
        model: conversation.model,
        created_at: conversation.created_at,
        system_prompt: conversation.system_prompt,
        pinned: conversation.pinned,
        active: position(conversation.active_message_id),
        messages: conversation.messages.map(({ id: _id, parent_id: parent, ...message }) => ({
          ...message,
          parent: position(parent),
        })),
      };
    }),
  };
}

/** A user editing their own export on purpose: a change plus a digest computed anew. */
function resign(document: ConversationExport): ConversationExport {
  return { ...document, digest: { ...document.digest, value: exportDigest(document) } };
}

describe("conversation export and import", () => {
  let source: Installation;
  let target: Installation;
  const alice: Member = { organizationId: "org_source", workspaceId: "ws_source", userId: "user_alice" };
  const bob: Member = { organizationId: "org_source", workspaceId: "ws_source", userId: "user_bob" };
  const newAlice: Member = { organizationId: "org_target", workspaceId: "ws_target", userId: "user_new" };
  let exported: ConversationExport;

  async function targetCounts() {
    const db = target.database.db;
    const count = async (table: "conversations" | "messages") =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<string>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const imports = await db
      .selectFrom("audit_entries")
      .select("seq")
      .where("action", "=", "conversations.imported")
      .execute();
    return {
      conversations: await count("conversations"),
      messages: await count("messages"),
      imports: imports.length,
    };
  }

  async function expectRefused(payload: unknown, reason: RegExp, status = 400): Promise<void> {
    const before = await targetCounts();
    const attempt =
      typeof payload === "string"
        ? target.conversations.importText(newAlice, payload)
        : target.conversations.import(newAlice, payload);
    await expect(attempt).rejects.toMatchObject({
      status,
      code: status === 400 ? "invalid_export" : "export_too_large",
      message: expect.stringMatching(reason),
    });
    expect(await targetCounts()).toEqual(before);
  }

  beforeAll(async () => {
    source = await installation(["org_source"]);
    target = await installation(["org_target"]);
    const { conversations } = source;
    const first = await conversations.create(alice, { model: "model-a", title: `Trip ${canary} ✈ ünïcode` });
    await conversations.append(alice, first.id, { role: "system", content: "Be brief." });
    await conversations.append(alice, first.id, { role: "user", content: `Where to? ${canary}` });
    await conversations.append(alice, first.id, {
      role: "assistant",
      content: `Lisbon.\n"quoted" \\ ${canary} 🙂`,
      model: "model-a",
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
    });
    await conversations.update(alice, first.id, {
      pinned: true,
      systemPrompt: `Answer in Portuguese ${canary}`,
    });
    const untitled = await conversations.create(alice, { model: "model-b" });
    await conversations.append(alice, untitled.id, { role: "user", content: "x".repeat(200_000) });
    await conversations.create(alice, { model: "model-c", title: "empty" });
    const deleted = await conversations.create(alice, { model: "model-a", title: "deleted one" });
    await conversations.append(alice, deleted.id, { role: "user", content: "gone" });
    await conversations.delete(alice, deleted.id);
    await conversations.create(bob, { model: "model-a", title: "bob's own" });
    // A retention setting makes kept_until a date in the source.
    await source.retention.setRetention("org_source", "ws_source", 90, "user_admin");
    exported = await conversations.export(alice);
  }, 120_000);
  afterAll(async () => {
    await source?.database.close();
    await target?.database.close();
  });

  it("[OWN-2] a user's export holds every message of every conversation: text, model, usage, timestamps, attachments' place", async () => {
    expect(exported).toMatchObject({
      format: "custodian-conversations-export",
      version: 2,
      source: { organization: "org_source", user: "user_alice" },
      counts: { conversations: 3, messages: 4 },
      digest: { algorithm: "sha256", canonicalization: "RFC8785" },
    });
    expect(exported.digest.value).toBe(exportDigest(exported));
    // Everything the owner can read, read back through the service, is in the export, byte for byte.
    const stored = await source.database.db
      .selectFrom("conversations")
      .select("id")
      .where("user_id", "=", "user_alice")
      .where("deleted_at", "is", null)
      .orderBy("created_at")
      .execute();
    expect(exported.conversations.map((conversation) => conversation.id)).toEqual(
      stored.map((row) => row.id),
    );
    for (const conversation of exported.conversations) {
      const { summary, messages, activeMessageId, systemPrompt } = await source.conversations.get(
        alice,
        conversation.id,
      );
      expect(conversation).toEqual({
        id: summary.id,
        title: summary.title,
        model: summary.model,
        created_at: summary.createdAt.toISOString(),
        updated_at: summary.updatedAt.toISOString(),
        kept_until: summary.keptUntil!.toISOString(),
        system_prompt: systemPrompt,
        pinned: summary.pinnedAt !== null,
        active_message_id: activeMessageId,
        messages: messages.map((message) => ({
          id: message.id,
          parent_id: message.parentId,
          stopped: message.stopped,
          role: message.role,
          content: message.content,
          model: message.model,
          usage: message.usage,
          created_at: message.createdAt.toISOString(),
          attachments: [],
        })),
      });
    }
    const [trip] = exported.conversations;
    expect(trip!.title).toBe(`Trip ${canary} ✈ ünïcode`);
    expect(trip).toMatchObject({ pinned: true, system_prompt: `Answer in Portuguese ${canary}` });
    expect(trip!.messages.map((message) => [message.role, message.model, message.usage])).toEqual([
      ["system", null, null],
      ["user", null, null],
      ["assistant", "model-a", { prompt_tokens: 12, completion_tokens: 3 }],
    ]);
    expect(exported.conversations[1]!.messages[0]!.content).toHaveLength(200_000);
    // Neither the deleted conversation nor another user's is in it.
    const titles = exported.conversations.map((conversation) => conversation.title);
    expect(titles).not.toContain("deleted one");
    expect(titles).not.toContain("bob's own");
  });

  it("[OWN-2] export -> import into another installation -> export gives the same content, sealed under the target's keys", async () => {
    const result = await target.conversations.import(newAlice, JSON.parse(JSON.stringify(exported)));
    expect(result).toMatchObject({ messages: 4, digest: exported.digest.value });
    expect(result.conversations.map((conversation) => conversation.source_id)).toEqual(
      exported.conversations.map((conversation) => conversation.id),
    );
    const again = await target.conversations.export(newAlice);
    expect(content(again)).toEqual(content(exported));
    expect(again.source).toEqual({ organization: "org_target", user: "user_new" });
    // Ids are new (an id is unique to its installation); the retention clock starts at the import.
    for (const [index, conversation] of again.conversations.entries()) {
      expect(conversation.id).not.toBe(exported.conversations[index]!.id);
      expect(Date.parse(conversation.updated_at)).toBeGreaterThanOrEqual(
        Date.parse(again.exported_at) - 60_000,
      );
      expect(conversation.kept_until).toBeNull();
    }
    const audited = await target.database.db
      .selectFrom("audit_entries")
      .select(["actor", "metadata"])
      .where("action", "=", "conversations.imported")
      .execute();
    expect(audited).toHaveLength(1);
    expect(JSON.parse(audited[0]!.metadata)).toEqual({
      conversations: 3,
      messages: 4,
      export_digest: exported.digest.value,
    });
    expect(audited[0]!.metadata).not.toContain(canary);

    // At rest in the target: ciphertext only, opened by the target's keys and by nothing of the source's.
    const trip = result.conversations[0]!.id;
    const row = await target.database.db
      .selectFrom("conversations")
      .select(["wrapped_key", "title", "system_prompt"])
      .where("id", "=", trip)
      .executeTakeFirstOrThrow();
    const messages = await target.database.db
      .selectFrom("messages")
      .select(["id", "content"])
      .where("conversation_id", "=", trip)
      .orderBy("seq")
      .execute();
    const needle = Buffer.from(canary);
    const key = await openDataKey(
      target.keyring,
      "org_target",
      { table: "conversations", row: trip },
      row.wrapped_key!,
    );
    const opened = messages.map((message) =>
      openWithDataKey(
        key,
        { table: "messages", row: message.id, organization: "org_target" },
        message.content,
      ),
    );
    // Positive control: the rows scanned are the ones that hold the canary once opened.
    expect(opened.filter((plain) => plain.includes(needle))).toHaveLength(2);
    for (const message of messages) expect(message.content.includes(needle)).toBe(false);
    expect(row.title!.includes(needle)).toBe(false);
    expect(row.system_prompt!.includes(needle)).toBe(false);
    await expect(
      openDataKey(source.keyring, "org_source", { table: "conversations", row: trip }, row.wrapped_key!),
    ).rejects.toBeInstanceOf(DecryptionError);
  });

  it("[OWN-2] an import of a malformed, truncated or altered export is refused whole, with the reason, and writes nothing", async () => {
    const text = JSON.stringify(exported);
    await expectRefused(text.slice(0, Math.floor(text.length / 2)), /not valid JSON/);
    await expectRefused("[]", /not a JSON object/);
    await expectRefused({ ...exported, format: "something-else" }, /not a Custodian conversations export/);
    await expectRefused({ ...exported, version: 3 }, /version 3 is not supported/);
    const orphan = structuredClone(exported);
    orphan.conversations[0]!.messages[1]!.parent_id = orphan.conversations[0]!.messages[2]!.id;
    await expectRefused(resign(orphan), /messages\[1\]\.parent_id names no earlier message/);
    const wrongRole = structuredClone(exported);
    (wrongRole.conversations[0]!.messages[1] as { role: string }).role = "wizard";
    await expectRefused(resign(wrongRole), /conversations\[0\]\.messages\[1\]\.role is invalid/);
    const extra = { ...structuredClone(exported), comment: "unexpected member" };
    await expectRefused(extra, /comment is not part of the format/);
    // Truncated: the last conversation is gone, the counts say so; with the counts fixed, the digest.
    const truncated = structuredClone(exported);
    truncated.conversations.pop();
    await expectRefused(truncated, /declares 3 conversations and 4 messages but holds 2 and 4/);
    await expectRefused(
      { ...truncated, counts: { conversations: 2, messages: 4 } },
      /does not match its SHA-256 digest/,
    );
    // Altered: one character of one message.
    const altered = structuredClone(exported);
    altered.conversations[0]!.messages[1]!.content = altered.conversations[0]!.messages[1]!.content.replace(
      "?",
      "!",
    );
    await expectRefused(altered, /does not match its SHA-256 digest/);
    await expectRefused(
      JSON.stringify(exported).replace('"Be brief."', '"Be briefer."'),
      /does not match its SHA-256 digest/,
    );
    // Inconsistent even with a digest made anew.
    const twice = structuredClone(exported);
    twice.conversations[1]!.id = twice.conversations[0]!.id;
    await expectRefused(resign(twice), /conversations\[1\]\.id is used twice/);
    const badDate = structuredClone(exported);
    badDate.conversations[0]!.created_at = "2024-13-45T99:99:99Z";
    await expectRefused(resign(badDate), /conversations\[0\]\.created_at is not a date/);
    const attached = structuredClone(exported);
    attached.conversations[0]!.messages[0]!.attachments = [
      { id: "file_1", filename: "a.pdf", bytes: 10, media_type: "application/pdf" },
    ];
    await expectRefused(resign(attached), /stores no attachments/);
    const tooLong = structuredClone(exported);
    tooLong.conversations[0]!.title = "t".repeat(301);
    await expectRefused(resign(tooLong), /conversations\[0\]\.title is invalid/);
    // Bounded: a file over the limit is refused before it is parsed.
    await expectRefused(" ".repeat(maxImportBytes + 1), /at most 33554432 bytes/, 413);
    // No error quotes the export's content.
    const refusal = await target.conversations.import(newAlice, altered).then(
      () => null,
      (error: unknown) => error as Error,
    );
    expect(refusal?.message).toMatch(/digest/);
    expect(refusal?.message).not.toContain(canary);

    // Positive control: the same counts see a real import, and a user's own deliberate edit, made with
    // a digest computed anew, is theirs to import (the digest guards against damage, not the owner).
    const before = await targetCounts();
    const edited = structuredClone(exported);
    edited.conversations[2]!.title = "renamed by its owner";
    await target.conversations.import(newAlice, resign(edited));
    expect(await targetCounts()).toEqual({
      conversations: before.conversations + 3,
      messages: before.messages + 4,
      imports: before.imports + 1,
    });
  });

  it("[OWN-2] a failure while writing rolls the whole import back: nothing of it stays", async () => {
    const db = target.database.db;
    // A real database fault in the middle of the import: the third message of any conversation.
    await sql`create function fail_third_message() returns trigger language plpgsql as $$
      begin if new.seq = 3 then raise exception 'injected failure'; end if; return new; end $$`.execute(db);
    await sql`create trigger fail_third_message before insert on messages for each row
      execute function fail_third_message()`.execute(db);
    try {
      const before = await targetCounts();
      await expect(target.conversations.import(newAlice, exported)).rejects.toThrow(/injected failure/);
      expect(await targetCounts()).toEqual(before);
    } finally {
      await sql`drop trigger fail_third_message on messages`.execute(db);
      await sql`drop function fail_third_message()`.execute(db);
    }
    // Positive control: without the fault the same import writes all of it.
    const before = await targetCounts();
    await target.conversations.import(newAlice, exported);
    expect((await targetCounts()).messages).toBe(before.messages + 4);
  });
});
