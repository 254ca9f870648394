// Deleting documents and collections at the byte level (issue 20, OWN-4, SEC-1): a real server whose
// documents purge runs on its schedule (every second here; nothing calls it), and the project's raw
// scanner reading the database's files, WAL included, the data directory (blobs) and the log. A
// document's sentence is never anywhere in plaintext, before or after; after deletion and the purge no
// copy of the collection's wrapped key, its sealed passages or its sealed original is left. Each absence
// is paired with a presence: the same bytes found before, and a kept collection's found after.
import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import type { Reader } from "../src/documents/document-types.ts";
import { scanSources, useTestPlatformWithUpstream } from "./helpers/platform.ts";
import { foundAnywhere, rawScan, type Needles } from "./helpers/raw-scan.ts";
import { waitFor } from "./helpers/wait-for.ts";

const slow = { timeoutMs: 180_000, intervalMs: 200 };

describe("document deletion", () => {
  const platform = useTestPlatformWithUpstream({
    env: { CUSTODIAN_DELETION_WINDOW_MS: "0", CUSTODIAN_PURGE_INTERVAL_MS: "1000" },
  });
  let reader: Reader;
  const core = () => platform.server.platform;
  const scan = (needles: Needles) => rawScan(scanSources(platform), needles);

  beforeAll(async () => {
    reader = { organizationId: platform.organization, projectId: platform.project };
  }, 300_000);

  /** A collection (vectors from the fake upstream) with one document holding `sentence`; its stored bytes. */
  async function collectionWith(tag: string, sentence: string) {
    const library = core().documents;
    const collection = await library.createCollection(
      reader,
      { owner: { kind: "project", id: platform.project }, name: `name ${tag}`, embeddingModel: "fake-model" },
      "test",
    );
    const document = await library.addDocument(
      reader,
      collection.id,
      { filename: `${tag}.txt`, content: Buffer.from(`Opening line.\n\n${sentence}\n\nClosing line.`) },
      "test",
    );
    const key = await core()
      .db.selectFrom("document_collections")
      .select(["wrapped_key", "name"])
      .where("id", "=", collection.id)
      .executeTakeFirstOrThrow();
    const row = await core()
      .db.selectFrom("documents")
      .select(["passages", "extracted", "blob_key"])
      .where("id", "=", document.id)
      .executeTakeFirstOrThrow();
    const blob = readFileSync(path.join(platform.dataDir, "blobs", ...row.blob_key.split("/")));
    return {
      collection: collection.id,
      document: document.id,
      plaintext: { [`${tag}:sentence`]: sentence } as Needles,
      sealed: {
        [`${tag}:wrapped_key`]: key.wrapped_key!,
        [`${tag}:name`]: key.name!,
        [`${tag}:passages`]: row.passages,
        [`${tag}:extracted`]: row.extracted,
        [`${tag}:blob`]: blob.subarray(0, 64),
      } as Needles,
    };
  }

  const rowsOf = async (collection: string) =>
    (
      await sql<{ count: number }>`
        select (select count(*) from document_collections where id = ${collection})
             + (select count(*) from documents where collection_id = ${collection}) as count`.execute(
        core().db,
      )
    ).rows[0]!.count;

  /** Wait until `condition` holds and then two more purge turns have finished (the second began after). */
  async function aTurnAfter(condition: () => Promise<boolean>): Promise<void> {
    await waitFor(condition, slow);
    const turns = core().documents.purge.completed;
    await waitFor(() => core().documents.purge.completed >= turns + 2, slow);
  }

  it("[OWN-4] deleting a collection destroys its key at once; after the purge no copy of its key, passages or original is on disk, and its sentence never was", async () => {
    const doomed = await collectionWith(
      "doomed-9e41",
      "Quartermaster Ilse Vandermeer stored SENTENCE-doomed-3f7a in the north vault.",
    );
    const kept = await collectionWith(
      "kept-51b0",
      "The ferry timetable mentions SENTENCE-kept-c2d8 on Sundays.",
    );
    // Positive control: before the delete, every sealed byte string is found on disk.
    const before = await scan({ ...doomed.sealed, ...doomed.plaintext, ...kept.plaintext });
    const foundBefore = foundAnywhere(before);
    expect(Object.keys(foundBefore).sort()).toEqual(Object.keys(doomed.sealed).sort());
    expect(before.walFiles).toBeGreaterThan(0);

    await core().documents.deleteCollection(reader, doomed.collection, "test");
    // At once: unreadable and gone from search and every list, before any purge.
    await expect(core().documents.getCollection(reader, doomed.collection)).rejects.toMatchObject({
      status: 404,
    });
    expect(core().documents.cache.stats.collections).toBe(0);
    await aTurnAfter(async () => Number(await rowsOf(doomed.collection)) === 0);

    const after = foundAnywhere(
      await scan({ ...doomed.sealed, ...doomed.plaintext, ...kept.sealed, ...kept.plaintext }),
    );
    for (const name of [
      ...Object.keys(doomed.sealed),
      ...Object.keys(doomed.plaintext),
      ...Object.keys(kept.plaintext),
    ])
      expect(after[name], name).toBeUndefined();
    // Positive control: the collection not deleted is still found, byte for byte.
    for (const name of Object.keys(kept.sealed)) expect(after[name], name).toBeDefined();
    const audit = await core()
      .db.selectFrom("audit_entries")
      .selectAll()
      .where("target", "=", doomed.collection)
      .execute();
    expect(audit.map((entry) => entry.action)).toContain("collection.deleted");
    expect(JSON.stringify(audit)).not.toContain("doomed-9e41");
  }, 600_000);

  it("[OWN-4] deleting a document removes its rows at once; after the purge its passages and original are gone while its collection's are kept", async () => {
    const collection = await collectionWith(
      "doc-a-7d22",
      "Archivist Bertil Osk catalogued SENTENCE-doc-a-90b1 twice.",
    );
    const second = await core().documents.addDocument(
      reader,
      collection.collection,
      { filename: "b.txt", content: Buffer.from("The SENTENCE-doc-b-44e0 stays in the collection.") },
      "test",
    );
    const secondRow = await core()
      .db.selectFrom("documents")
      .select("passages")
      .where("id", "=", second.id)
      .executeTakeFirstOrThrow();
    const {
      ["doc-a-7d22:wrapped_key"]: wrappedKey,
      ["doc-a-7d22:name"]: _name,
      ...documentBytes
    } = collection.sealed;
    const before = foundAnywhere(await scan({ ...documentBytes, kept: secondRow.passages }));
    expect(Object.keys(before).sort()).toEqual([...Object.keys(documentBytes), "kept"].sort());

    await core().documents.deleteDocument(reader, collection.collection, collection.document, "test");
    const hits = await core().documents.search(reader, {
      collectionIds: [collection.collection],
      query: "Archivist Bertil Osk",
      mode: "keyword",
    });
    expect(hits.map((hit) => hit.documentId)).not.toContain(collection.document);
    await aTurnAfter(async () => true);

    const after = foundAnywhere(
      await scan({
        ...documentBytes,
        ...collection.plaintext,
        kept: secondRow.passages,
        wrappedKey: wrappedKey!,
      }),
    );
    for (const name of [...Object.keys(documentBytes), ...Object.keys(collection.plaintext)])
      expect(after[name], name).toBeUndefined();
    expect(after.kept).toBeDefined();
    expect(after.wrappedKey).toBeDefined();
  }, 600_000);
});
