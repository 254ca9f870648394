// The sealed document library (issue 20) through the platform's own service on a real server and
// database: collections and documents sealed under a key per collection, permissions at every call,
// search over passages opened into a bounded in-memory cache, bad input refused with nothing stored.
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { CustodianError } from "../src/core/errors.ts";
import type { Reader } from "../src/documents/document-types.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";
import { rowsContaining } from "./helpers/raw-scan.ts";

async function refusal(work: Promise<unknown>): Promise<{ status: number; code: string | null }> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CustodianError);
  const custodian = error as CustodianError;
  return { status: custodian.status, code: custodian.code };
}

const text = (value: string) => Buffer.from(value, "utf8");

describe("document library", () => {
  const platform = useTestPlatformWithUpstream();
  const library = () => platform.server.platform.documents;
  const db = () => platform.server.platform.db;
  let alice: Reader;
  let bob: Reader;

  beforeAll(async () => {
    alice = { organizationId: platform.organization, userId: "user_alice", groupIds: ["grp_team"] };
    bob = { organizationId: platform.organization, userId: "user_bob", groupIds: ["grp_other"] };
  }, 300_000);

  const counts = async () => {
    const result = await sql<{ documents: number }>`select count(*)::int as documents from documents`.execute(
      db(),
    );
    return result.rows[0]!.documents;
  };

  it("[SEC-1] stores a collection's name, metadata, a document's name, text and passages sealed; only the reader finds them", async () => {
    const collection = await library().createCollection(
      alice,
      {
        owner: { kind: "user", id: "user_alice" },
        name: "Harbour notes NAME-7c1f",
        metadata: { topic: "META-19ae" },
      },
      "user_alice",
    );
    expect(collection).toMatchObject({
      name: "Harbour notes NAME-7c1f",
      metadata: { topic: "META-19ae" },
      documents: 0,
    });
    const sentence = "The lighthouse keeper counts SEALED-4f2b gulls every morning.";
    const document = await library().addDocument(
      alice,
      collection.id,
      {
        filename: "FILENAME-88d0.txt",
        content: text(`Harbour log.\n\n${sentence}\n\nNothing else happened.`),
      },
      "user_alice",
    );
    expect(document).toMatchObject({
      filename: "FILENAME-88d0.txt",
      format: "text",
      status: "completed",
      chunks: 1,
    });
    expect(await library().getCollection(alice, collection.id)).toMatchObject({ documents: 1 });
    const hits = await library().search(alice, { collectionIds: [collection.id], query: "lighthouse gulls" });
    expect(hits[0]).toMatchObject({
      collectionId: collection.id,
      documentId: document.id,
      filename: "FILENAME-88d0.txt",
    });
    expect(hits[0]!.chunk.text).toContain(sentence);
    expect(await library().readChunks(alice, collection.id, document.id)).toHaveLength(1);

    const needles = {
      name: "NAME-7c1f",
      metadata: "META-19ae",
      filename: "FILENAME-88d0",
      text: "SEALED-4f2b",
    };
    // Positive control: the scan finds a value a row does hold in clear (the collection's id).
    const control = await rowsContaining(db(), ["document_collections", "documents"], { id: collection.id });
    expect(control.id).toBeDefined();
    expect(
      await rowsContaining(db(), ["document_collections", "documents", "audit_entries"], needles),
    ).toEqual({});
  });

  it("[SEC-1] checks the reader at every call: another user, another organisation or an unknown id is not found; a shared group reads but does not change", async () => {
    const collection = await library().createCollection(
      alice,
      { owner: { kind: "user", id: "user_alice" }, name: "private" },
      "user_alice",
    );
    await library().addDocument(
      alice,
      collection.id,
      { filename: "a.txt", content: text("otters hold hands") },
      "user_alice",
    );
    const stranger: Reader = { organizationId: "org_elsewhere", userId: "user_alice" };
    for (const reader of [bob, stranger]) {
      expect(await refusal(library().getCollection(reader, collection.id))).toMatchObject({ status: 404 });
      expect(
        await refusal(library().search(reader, { collectionIds: [collection.id], query: "otters" })),
      ).toMatchObject({ status: 404 });
      expect(await refusal(library().deleteCollection(reader, collection.id, "x"))).toMatchObject({
        status: 404,
      });
    }
    expect((await library().listCollections(bob)).map((item) => item.id)).not.toContain(collection.id);
    // One unreadable id refuses the whole search, even beside a readable one.
    const bobs = await library().createCollection(
      bob,
      { owner: { kind: "user", id: "user_bob" }, name: "b" },
      "user_bob",
    );
    expect(
      await refusal(library().search(bob, { collectionIds: [bobs.id, collection.id], query: "otters" })),
    ).toMatchObject({ status: 404 });

    await library().shareCollection(alice, collection.id, ["grp_other"], "user_alice");
    const shared = await library().search(bob, { collectionIds: [collection.id], query: "otters" });
    expect(shared).toHaveLength(1);
    expect(
      await refusal(
        library().addDocument(bob, collection.id, { filename: "b.txt", content: text("x y") }, "user_bob"),
      ),
    ).toMatchObject({ status: 403 });
    expect(await refusal(library().shareCollection(bob, collection.id, [], "user_bob"))).toMatchObject({
      status: 403,
    });
    // An admin manages without reading: deletes, but never reads through that right alone.
    const admin: Reader = { organizationId: platform.organization, userId: "user_admin", admin: true };
    expect(await refusal(library().getCollection(admin, collection.id))).toMatchObject({ status: 404 });
    await library().deleteCollection(admin, collection.id, "user_admin");
    expect(await refusal(library().getCollection(alice, collection.id))).toMatchObject({ status: 404 });
    expect(await refusal(library().getCollection(bob, collection.id))).toMatchObject({ status: 404 });
  });

  it("refuses bad input with a 400 before anything is stored, and a later failure (the embedding model) leaves nothing behind", async () => {
    const collection = await library().createCollection(
      alice,
      { owner: { kind: "user", id: "user_alice" }, name: "c" },
      "user_alice",
    );
    const before = await counts();
    const binary = await refusal(
      library().addDocument(
        alice,
        collection.id,
        { filename: "x.bin", content: Buffer.from([1, 0, 2]) },
        "user_alice",
      ),
    );
    expect(binary).toMatchObject({ status: 400, code: "unsupported_file" });
    const empty = await refusal(
      library().addDocument(
        alice,
        collection.id,
        { filename: "e.txt", content: text("   \n") },
        "user_alice",
      ),
    );
    expect(empty).toMatchObject({ status: 400, code: "empty_document" });
    expect(
      await refusal(
        library().createCollection(
          alice,
          { owner: { kind: "user", id: "user_alice" }, name: "x", metadata: { a: 1 as unknown as string } },
          "user_alice",
        ),
      ),
    ).toMatchObject({ status: 400 });

    const broken = await library().createCollection(
      alice,
      { owner: { kind: "user", id: "user_alice" }, name: "broken", embeddingModel: "no-such-model" },
      "user_alice",
    );
    const blobsBefore = await blobCount();
    expect(
      await refusal(
        library().addDocument(
          alice,
          broken.id,
          { filename: "f.txt", content: text("kept nowhere") },
          "user_alice",
        ),
      ),
    ).toMatchObject({ status: 404 });
    expect(await counts()).toBe(before);
    expect(await blobCount()).toBe(blobsBefore);
    expect(await library().getCollection(alice, broken.id)).toMatchObject({ documents: 0, bytes: 0 });
  });

  async function blobCount(): Promise<number> {
    const { readdir } = await import("node:fs/promises");
    return (await readdir(path.join(platform.dataDir, "blobs", "documents")).catch(() => [])).length;
  }

  it("embeds passages with the collection's model, seals the vectors, and searches them; removing a document drops the opened collection", async () => {
    const collection = await library().createCollection(
      alice,
      { owner: { kind: "group", id: "grp_team" }, name: "vectors", embeddingModel: "fake-model" },
      "user_alice",
    );
    const embeddingsBefore = platform.upstream.requests.filter(
      (request) => request.path === "/v1/embeddings",
    ).length;
    const first = await library().addDocument(
      alice,
      collection.id,
      { filename: "one.txt", content: text("penguins skate on ice") },
      "user_alice",
    );
    await library().addDocument(
      alice,
      collection.id,
      { filename: "two.txt", content: text("camels cross the dunes") },
      "user_alice",
    );
    const embeddings = platform.upstream.requests.filter((request) => request.path === "/v1/embeddings");
    expect(embeddings.length).toBe(embeddingsBefore + 2);

    const hits = await library().search(alice, { collectionIds: [collection.id], query: "penguins" });
    expect(hits[0]).toMatchObject({ documentId: first.id, filename: "one.txt" });
    expect(library().cache.stats.collections).toBeGreaterThan(0);
    const opened = library().cache.stats.bytes;
    expect(opened).toBeGreaterThan(0);

    await library().deleteDocument(alice, collection.id, first.id, "user_alice");
    const after = await library().search(alice, {
      collectionIds: [collection.id],
      query: "penguins",
      mode: "keyword",
    });
    expect(after.map((hit) => hit.documentId)).not.toContain(first.id);
    expect(await library().listDocuments(alice, collection.id)).toHaveLength(1);
    expect(await refusal(library().getDocument(alice, collection.id, first.id))).toMatchObject({
      status: 404,
    });
  });

  it("[OWN-3] a collection past its expiry loses its key at the purge's next turn, with an audit entry", async () => {
    const collection = await library().createCollection(
      alice,
      {
        owner: { kind: "user", id: "user_alice" },
        name: "short-lived",
        expiresAt: new Date(Date.now() + 60_000),
      },
      "user_alice",
    );
    const kept = await library().createCollection(
      alice,
      { owner: { kind: "user", id: "user_alice" }, name: "kept" },
      "user_alice",
    );
    // Not yet due: a turn leaves it.
    await library().purge.run();
    expect(await library().getCollection(alice, collection.id)).toMatchObject({ name: "short-lived" });
    const result = await library().purge.run(new Date(Date.now() + 120_000));
    expect(result.expired).toBeGreaterThanOrEqual(1);
    expect(await refusal(library().getCollection(alice, collection.id))).toMatchObject({ status: 404 });
    expect(await library().getCollection(alice, kept.id)).toMatchObject({ name: "kept" });
    const audit = await db()
      .selectFrom("audit_entries")
      .select(["action", "actor"])
      .where("target", "=", collection.id)
      .execute();
    expect(audit).toContainEqual({ action: "collection.deleted", actor: "retention" });
  });

  it("[OWN-4] a blob whose removal was cut short (a crash after the deleting transaction) is removed by the purge's next turn", async () => {
    const blobs = path.join(platform.dataDir, "blobs", "documents");
    const collection = await library().createCollection(
      alice,
      { owner: { kind: "user", id: "user_alice" }, name: "r" },
      "user_alice",
    );
    const document = await library().addDocument(
      alice,
      collection.id,
      { filename: "r.txt", content: text("removal words") },
      "user_alice",
    );
    expect(existsSync(path.join(blobs, document.id))).toBe(true);
    // Nothing is left recorded once a document is stored, or once it is deleted and its blob removed.
    const recorded = () => db().selectFrom("document_blob_removals").select("blob_key").execute();
    expect(await recorded()).toEqual([]);
    await library().deleteDocument(alice, collection.id, document.id, "user_alice");
    expect(existsSync(path.join(blobs, document.id))).toBe(false);
    expect(await recorded()).toEqual([]);
    // The crash: the transaction recorded the removal, the process stopped before removing the blob.
    writeFileSync(path.join(blobs, "doc_cutshort"), "sealed bytes");
    await db()
      .insertInto("document_blob_removals")
      .values({ blob_key: "documents/doc_cutshort", due_at: new Date(0) })
      .execute();
    await library().purge.run();
    expect(existsSync(path.join(blobs, "doc_cutshort"))).toBe(false);
    expect(await recorded()).toEqual([]);
  });

  it("[OWN-2] the organisation export lists collections and their documents' metadata, content only on request", async () => {
    const collection = await library().createCollection(
      alice,
      { owner: { kind: "user", id: "user_alice" }, name: "export me" },
      "user_alice",
    );
    await library().addDocument(
      alice,
      collection.id,
      { filename: "e.txt", content: text("exported passage words") },
      "user_alice",
    );
    const section = platform.server.platform.exportSections.find(
      (item) => item.name === "document_collections",
    )!;
    const records = await section.records(platform.organization, { includeContent: false });
    const record = records.find((item) => item.id === collection.id)!;
    expect(record).toMatchObject({ name: "export me", documents: [{ filename: "e.txt", chunks: 1 }] });
    expect(JSON.stringify(record)).not.toContain("exported passage words");
    // A chat's attachments are the conversation's, which the export never holds (CTL-4).
    const attachments = await library().createCollection(
      { organizationId: platform.organization, conversationId: "conv_export" },
      { owner: { kind: "conversation", id: "conv_export" }, name: "attachments" },
      "user_alice",
    );
    expect(
      JSON.stringify(await section.records(platform.organization, { includeContent: true })),
    ).not.toContain("conv_export");
    expect(records.map((item) => item.id)).not.toContain(attachments.id);
    const withContent = await section.records(platform.organization, { includeContent: true });
    expect(JSON.stringify(withContent.find((item) => item.id === collection.id))).toContain(
      "exported passage words",
    );
  });
});
