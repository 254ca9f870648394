// One document into a collection (issue 20): extract, chunk, embed, seal, store. Bad input is refused
// (400) before anything is written; the sealed original goes to the blob store, then every row change in
// one transaction, and a failure of either removes what was written: never a half-stored document.
import { sql } from "kysely";
import type { AuditLog } from "../../audit/audit-log.ts";
import { errors } from "../../core/errors.ts";
import { randomToken } from "../../core/ids.ts";
import type { Db } from "../../db/database.ts";
import type { BlobStore } from "../../files/blob-store.ts";
import { sealChunks } from "../../files/sealed-chunks.ts";
import { chunkDocument } from "../chunk-document.ts";
import { defaultChunkingOptions, type DocumentRecord, type NewDocument } from "../document-types.ts";
import { extractDocument } from "../extract/extract-document.ts";
import { extractionErrors } from "../extract/extraction-errors.ts";
import { removeNow, uploadStarted, uploadStored } from "./blob-removals.ts";
import type { CollectionRow } from "./collection-rows.ts";
import { fieldBinding, toDocumentRecord } from "./document-rows.ts";
import type { Embedder } from "./passage-embedder.ts";
import { documentBinding, sealJson, sealPassages } from "./sealed-passages.ts";

export interface IngestDependencies {
  db: Db;
  blobs: BlobStore;
  audit: AuditLog;
  embed: Embedder;
}

const maxFilename = 512;
const maxAttributes = 16;

export function checkAttributes(
  attributes: NewDocument["attributes"],
): Record<string, string | number | boolean> {
  const entries = Object.entries(attributes ?? {});
  if (entries.length > maxAttributes)
    throw errors.invalidRequest(`'attributes' may hold at most ${maxAttributes} keys.`, "attributes");
  for (const [name, value] of entries) {
    const kind = typeof value;
    if (name.length > 64 || !["string", "number", "boolean"].includes(kind) || String(value).length > 512)
      throw errors.invalidRequest(
        "'attributes' keys are at most 64 characters and values strings (at most 512), numbers or booleans.",
        "attributes",
      );
  }
  return Object.fromEntries(entries);
}

export async function ingestDocument(
  dependencies: IngestDependencies,
  collection: CollectionRow,
  key: Buffer,
  input: NewDocument,
  actor: string,
): Promise<DocumentRecord> {
  const filename = input.filename.trim().slice(0, maxFilename);
  if (filename === "") throw errors.invalidRequest("A document needs a file name.", "file");
  const attributes = checkAttributes(input.attributes);
  const extracted = await extractDocument({
    filename,
    content: input.content,
    ...(input.mediaType ? { mediaType: input.mediaType } : {}),
  });
  const chunks = chunkDocument(extracted, input.chunking ?? defaultChunkingOptions);
  if (chunks.length === 0) throw extractionErrors.empty(filename);
  const organization = collection.organization_id;
  // No embedding model: no vectors, and search over this collection is by keywords only.
  const vectors = collection.embedding_model
    ? await dependencies.embed(
        organization,
        collection.embedding_model,
        chunks.map((chunk) => chunk.text),
      )
    : [];
  const id = `doc_${randomToken(24)}`;
  const place = { id, organization_id: organization };
  const blobKey = `documents/${id}`;
  const values = {
    id,
    collection_id: collection.id,
    organization_id: organization,
    filename: sealJson(key, fieldBinding("filename", place), filename),
    format: extracted.format,
    bytes: input.content.length,
    pages: extracted.pages,
    chunks: chunks.length,
    file_id: input.fileId ?? null,
    attributes: sealJson(key, fieldBinding("attributes", place), attributes),
    extracted: sealJson(key, fieldBinding("extracted", place), extracted),
    passages: sealPassages(key, fieldBinding("passages", place), { chunks, vectors }),
    blob_key: blobKey,
    chunk_characters: input.chunking?.maxCharacters ?? null,
    chunk_overlap_characters: input.chunking?.overlapCharacters ?? null,
  };
  // Recorded first: a crash from here on leaves a blob the purge removes, never one nothing names.
  await uploadStarted(dependencies.db, blobKey);
  let row;
  try {
    await dependencies.blobs.write(
      blobKey,
      sealChunks(key, documentBinding("documents.content", id, organization), [input.content]),
    );
    row = await dependencies.db.transaction().execute(async (transaction) => {
      // The collection must still have its key: a deletion that came first wins, and nothing is stored.
      const updated = await transaction
        .updateTable("document_collections")
        .set({
          documents: sql<number>`documents + 1`,
          bytes: sql<number>`bytes + ${input.content.length}`,
          revision: sql<number>`revision + 1`,
        })
        .where("id", "=", collection.id)
        .where("wrapped_key", "is not", null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw errors.notFound("vector store", collection.id);
      await uploadStored(transaction, blobKey);
      return transaction.insertInto("documents").values(values).returningAll().executeTakeFirstOrThrow();
    });
  } catch (error) {
    await removeNow(dependencies.db, dependencies.blobs, [blobKey]);
    throw error;
  }
  await dependencies.audit.append({
    actor,
    action: "document.added",
    target: id,
    organizationId: organization,
    metadata: { collection: collection.id, bytes: input.content.length, chunks: chunks.length },
  });
  return toDocumentRecord(row, key);
}
