// Documents stored before passages were sealed in the binary format (format 1: JSON with the vectors in
// base64) stay searchable beside new ones, by keywords and by their vectors, on a real server and database;
// a stored record that decrypts but does not hold what it says is refused clearly, never as content.
import { beforeAll, describe, expect, it } from "vitest";
import { CustodianError } from "../src/core/errors.ts";
import type { Reader } from "../src/documents/document-types.ts";
import { collectionKey } from "../src/documents/library/collection-rows.ts";
import { fieldBinding } from "../src/documents/library/document-rows.ts";
import { openPassages, sealJson, vectorOf } from "../src/documents/library/sealed-passages.ts";
import { openWithDataKey, sealWithDataKey } from "../src/crypto/data-key.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

const text = (value: string) => Buffer.from(value, "utf8");

describe("stored passage formats", () => {
  const platform = useTestPlatformWithUpstream();
  const core = () => platform.server.platform;
  let alice: Reader;

  beforeAll(async () => {
    alice = { organizationId: platform.organization, userId: "user_alice", groupIds: ["grp_team"] };
  }, 300_000);

  /** The collection's key and the document's stored row, as the library reads them. */
  async function stored(collectionId: string, documentId: string) {
    const row = await core()
      .db.selectFrom("document_collections")
      .selectAll()
      .where("id", "=", collectionId)
      .executeTakeFirstOrThrow();
    const document = await core()
      .db.selectFrom("documents")
      .select(["id", "organization_id", "passages"])
      .where("id", "=", documentId)
      .executeTakeFirstOrThrow();
    return { key: await collectionKey(core().keyring, row), document };
  }

  async function rewrite(documentId: string, passages: Buffer): Promise<void> {
    await core().db.updateTable("documents").set({ passages }).where("id", "=", documentId).execute();
  }

  it("searches a document stored in the earlier JSON format beside one in the binary format", async () => {
    const library = core().documents;
    const collection = await library.createCollection(
      alice,
      { owner: { kind: "group", id: "grp_team" }, name: "formats", embeddingModel: "fake-model" },
      "user_alice",
    );
    const old = await library.addDocument(
      alice,
      collection.id,
      { filename: "old.txt", content: text("walruses bask on the northern shingle") },
      "user_alice",
    );
    const fresh = await library.addDocument(
      alice,
      collection.id,
      { filename: "new.txt", content: text("ostriches sprint across the savanna") },
      "user_alice",
    );
    const { key, document } = await stored(collection.id, old.id);
    // Positive control: what ingestion writes now is the binary format (its plaintext starts with 2).
    const binding = fieldBinding("passages", document);
    expect(openWithDataKey(key, binding, document.passages)[0]).toBe(2);
    const opened = openPassages(key, binding, document.passages);
    expect(opened.dimensions).toBeGreaterThan(0);
    const vectors = opened.chunks.map((_, index) => vectorOf(opened, index));
    const flat = new Float32Array(vectors.flatMap((vector) => [...vector]));
    const formatOne = sealJson(key, binding, {
      chunks: opened.chunks,
      dimensions: opened.dimensions,
      vectors: Buffer.from(flat.buffer).toString("base64"),
    });
    await rewrite(old.id, formatOne);
    library.cache.drop(collection.id);

    const byWords = await library.search(alice, {
      collectionIds: [collection.id],
      query: "walruses shingle",
      mode: "keyword",
    });
    expect(byWords[0]).toMatchObject({ documentId: old.id, filename: "old.txt" });
    const both = await library.search(alice, { collectionIds: [collection.id], query: "ostriches" });
    expect(both.map((hit) => hit.documentId)).toContain(fresh.id);
    const byVector = await library.search(alice, {
      collectionIds: [collection.id],
      query: "walruses bask on the northern shingle",
      mode: "vector",
    });
    expect(byVector.map((hit) => hit.documentId).sort()).toEqual([old.id, fresh.id].sort());
    expect(await library.readChunks(alice, collection.id, old.id)).toEqual(opened.chunks);

    // A record that decrypts but is cut short: a clear server error that quotes nothing of the document.
    const plaintext = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.alloc(12, 0xff)]);
    await rewrite(old.id, sealWithDataKey(key, binding, plaintext));
    library.cache.drop(collection.id);
    const error = await library.search(alice, { collectionIds: [collection.id], query: "walruses" }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CustodianError);
    expect(error).toMatchObject({ status: 500, code: "passages_unreadable" });
    expect((error as Error).message).not.toMatch(/walrus|ostrich/);
  });
});
