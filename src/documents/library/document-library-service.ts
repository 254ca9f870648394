// The sealed document library (issue 20): collections of documents, each collection under its own key
// wrapped by the organisation's key. Every call checks the reader's right to the collection (another
// organisation's id, or one the reader may not see, is not found); search opens a collection into
// memory (a bounded cache, never a file) and drops it when the collection changes or its key goes.
import { sql, type UpdateQueryBuilder, type UpdateResult } from "kysely";
import type { AuditLog } from "../../audit/audit-log.ts";
import { randomToken } from "../../core/ids.ts";
import type { Keyring } from "../../crypto/keyring.ts";
import type { Db } from "../../db/database.ts";
import type { Database } from "../../db/schema.ts";
import type { BlobStore } from "../../files/blob-store.ts";
import type {
  Collection,
  DocumentChunk,
  DocumentLibrary,
  DocumentRecord,
  CollectionChange,
  EmbeddingMeter,
  ExtractedDocument,
  NewCollection,
  NewDocument,
  Reader,
  SearchHit,
  SearchRequest,
} from "../document-types.ts";
import { checkMetadata, checkName, checkOwner } from "./collection-input.ts";
import { mayManage, mayRead, rightTo, type CollectionRight } from "./collection-access.ts";
import {
  collectionKey,
  collectionOwner,
  newCollectionKey,
  sealMetadata,
  sealName,
  sharedWith,
  toCollection,
  type CollectionRow,
} from "./collection-rows.ts";
import { removalsDue, removeNow } from "./blob-removals.ts";
import { checkNotExpired, dayMs, expiryAfter, touchCollections } from "./collection-activity.ts";
import { updateDocumentAttributes } from "./document-attributes.ts";
import { readExtracted } from "./document-content.ts";
import { meteredEmbedder } from "./embedding-usage.ts";
import { ingestDocument } from "./document-ingest.ts";
import { destroyCollection, DocumentPurge } from "./document-purge.ts";
import { documentColumns, fieldBinding, toDocumentRecord } from "./document-rows.ts";
import { IndexCache } from "./index-cache.ts";
import { libraryErrors } from "./library-errors.ts";
import type { Embedder } from "./passage-embedder.ts";
import { openPassages } from "./sealed-passages.ts";
import { searchCollections } from "./search-collections.ts";
import { VectorStoreBatches } from "./vector-store-batches.ts";

export interface DocumentLibraryDependencies {
  db: Db;
  keyring: Keyring;
  blobs: BlobStore;
  audit: AuditLog;
  embed: Embedder;
  /** The organisation's embedding model for new collections; null: keyword search only. */
  defaultEmbeddingModel?: (organizationId: string) => Promise<string | null>;
  /** Bytes of opened collections kept in memory (default 256 MiB). */
  cacheBytes?: number;
}

export class DocumentLibraryService implements DocumentLibrary {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #blobs: BlobStore;
  readonly #audit: AuditLog;
  readonly #embed: Embedder;
  readonly #defaultModel: (organizationId: string) => Promise<string | null>;
  readonly cache: IndexCache;
  /** The scheduled purge of deleted and expired collections (its task is the module's). */
  readonly purge: DocumentPurge;
  readonly batches: VectorStoreBatches;

  constructor(dependencies: DocumentLibraryDependencies) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#blobs = dependencies.blobs;
    this.#audit = dependencies.audit;
    this.#embed = dependencies.embed;
    this.#defaultModel = dependencies.defaultEmbeddingModel ?? (async () => null);
    this.cache = new IndexCache(dependencies.cacheBytes ?? 256 * 1024 * 1024);
    this.purge = new DocumentPurge(this.#purgeDependencies());
    this.batches = new VectorStoreBatches(this.#db, {
      readable: async (reader, id) => (await this.#row(reader, id, mayRead)).row,
      manageable: async (reader, id) => (await this.#row(reader, id, (right) => right === "manage")).row,
    });
  }

  #live(organizationId: string) {
    return this.#db
      .selectFrom("document_collections")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("wrapped_key", "is not", null);
  }

  /** The collection and the reader's right to it, if `allowed` accepts it; otherwise not found. */
  async #row(
    reader: Reader,
    id: string,
    allowed: (right: CollectionRight | null) => boolean,
  ): Promise<{ row: CollectionRow; right: CollectionRight }> {
    const row = await this.#live(reader.organizationId).where("id", "=", id).executeTakeFirst();
    const right = row ? rightTo(reader, facts(row)) : null;
    if (!row || !right) throw libraryErrors.collectionNotFound(id);
    // Seen, but not to be changed by this reader (a group the collection is shared with): refused.
    if (!allowed(right)) {
      if (mayRead(right)) throw libraryErrors.notOwner();
      throw libraryErrors.collectionNotFound(id);
    }
    return { row, right };
  }

  async createCollection(reader: Reader, input: NewCollection, actor: string): Promise<Collection> {
    const owner = checkOwner(input.owner);
    const name = checkName(input.name);
    const metadata = checkMetadata(input.metadata);
    const organization = reader.organizationId;
    if (!mayManage(rightTo(reader, { organizationId: organization, owner, sharedWith: [] })))
      throw libraryErrors.notOwner();
    const embeddingModel = input.embeddingModel ?? (await this.#defaultModel(organization)) ?? "";
    const afterDays = input.expiresAfterDays ?? null;
    if (afterDays !== null) expiryAfter(afterDays);
    const id = `vs_${randomToken(24)}`;
    const place = { id, organization_id: organization };
    const dataKey = await newCollectionKey(this.#keyring, organization, id);
    const row = await this.#db
      .insertInto("document_collections")
      .values({
        id,
        organization_id: organization,
        owner_kind: owner.kind,
        owner_id: owner.id,
        wrapped_key: dataKey.wrapped,
        name: sealName(dataKey.key, place, name),
        metadata: sealMetadata(dataKey.key, place, metadata),
        embedding_model: embeddingModel,
        expires_at: afterDays !== null ? new Date(Date.now() + afterDays * dayMs) : (input.expiresAt ?? null),
        expires_after_days: afterDays,
        deleted_at: null,
        document_deleted_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.#audit.append({
      actor,
      action: "collection.created",
      target: id,
      organizationId: organization,
      metadata: { owner: owner.kind },
    });
    return toCollection(row, dataKey.key);
  }

  async listCollections(reader: Reader): Promise<Collection[]> {
    const rows = await this.#live(reader.organizationId).orderBy("seq", "desc").execute();
    const readable = rows.filter((row) => mayRead(rightTo(reader, facts(row))));
    return Promise.all(
      readable.map(async (row) => toCollection(row, await collectionKey(this.#keyring, row))),
    );
  }

  async getCollection(reader: Reader, collectionId: string): Promise<Collection> {
    const { row } = await this.#row(reader, collectionId, mayRead);
    return toCollection(row, await collectionKey(this.#keyring, row));
  }

  async updateCollection(
    reader: Reader,
    collectionId: string,
    change: CollectionChange,
    actor: string,
  ): Promise<Collection> {
    const { row } = await this.#row(reader, collectionId, (right) => right === "manage");
    const key = await collectionKey(this.#keyring, row);
    // Nothing to change: the collection as it is (an empty update is no statement).
    if (Object.values(change).every((value) => value === undefined)) return toCollection(row, key);
    const update = this.#db
      .updateTable("document_collections")
      .set({
        ...(change.name !== undefined ? { name: sealName(key, row, checkName(change.name)) } : {}),
        ...(change.metadata !== undefined
          ? { metadata: sealMetadata(key, row, checkMetadata(change.metadata)) }
          : {}),
        ...(change.expiresAt !== undefined ? { expires_at: change.expiresAt } : {}),
        ...(change.expiresAfterDays !== undefined ? expiryAfter(change.expiresAfterDays) : {}),
      })
      .where("id", "=", collectionId);
    return toCollection(await this.#changed(update, row, actor, "collection.updated"), key);
  }

  /** Runs a change of a live collection's row and audits it; a collection deleted meanwhile is not found. */
  async #changed(
    update: UpdateQueryBuilder<Database, "document_collections", "document_collections", UpdateResult>,
    row: CollectionRow,
    actor: string,
    action: string,
    metadata?: Record<string, number>,
  ): Promise<CollectionRow> {
    const updated = await update.where("wrapped_key", "is not", null).returningAll().executeTakeFirst();
    if (!updated) throw libraryErrors.collectionNotFound(row.id);
    await this.#audit.append({
      actor,
      action,
      target: row.id,
      organizationId: row.organization_id,
      ...(metadata ? { metadata } : {}),
    });
    return updated;
  }

  async shareCollection(
    reader: Reader,
    collectionId: string,
    groupIds: string[],
    actor: string,
  ): Promise<Collection> {
    const { row } = await this.#row(reader, collectionId, (right) => right === "manage");
    if (
      !Array.isArray(groupIds) ||
      groupIds.length > 100 ||
      groupIds.some((id) => typeof id !== "string" || id === "")
    )
      throw libraryErrors.invalid("'groups' must be a list of at most 100 group ids.", "groups");
    const unique = [...new Set(groupIds)];
    const update = this.#db
      .updateTable("document_collections")
      .set({ shared_with: JSON.stringify(unique) })
      .where("id", "=", collectionId);
    const updated = await this.#changed(update, row, actor, "collection.shared", { groups: unique.length });
    return toCollection(updated, await collectionKey(this.#keyring, updated));
  }

  async deleteCollection(reader: Reader, collectionId: string, actor: string): Promise<void> {
    const { row } = await this.#row(reader, collectionId, mayManage);
    await destroyCollection(this.#purgeDependencies(), row.organization_id, collectionId, actor);
  }

  #purgeDependencies() {
    return {
      db: this.#db,
      keyring: this.#keyring,
      blobs: this.#blobs,
      audit: this.#audit,
      cache: this.cache,
    };
  }

  async addDocument(
    reader: Reader,
    collectionId: string,
    document: NewDocument,
    actor: string,
    usage?: EmbeddingMeter,
  ): Promise<DocumentRecord> {
    const { row } = await this.#row(reader, collectionId, (right) => right === "manage");
    checkNotExpired(row);
    const key = await collectionKey(this.#keyring, row);
    const record = await ingestDocument(
      { db: this.#db, blobs: this.#blobs, audit: this.#audit, embed: meteredEmbedder(this.#embed, usage) },
      row,
      key,
      document,
      actor,
    );
    this.cache.drop(collectionId);
    await touchCollections(this.#db, [row]);
    return record;
  }

  async listDocuments(reader: Reader, collectionId: string): Promise<DocumentRecord[]> {
    const { row } = await this.#row(reader, collectionId, mayRead);
    const key = await collectionKey(this.#keyring, row);
    const rows = await this.#db
      .selectFrom("documents")
      .select(documentColumns)
      .where("collection_id", "=", collectionId)
      .orderBy("seq", "desc")
      .execute();
    return rows.map((document) => toDocumentRecord(document, key));
  }

  async #document(reader: Reader, collectionId: string, documentId: string, allowed = mayRead) {
    const { row } = await this.#row(reader, collectionId, allowed);
    const document = await this.#db
      .selectFrom("documents")
      .select([...documentColumns, "passages"])
      .where("collection_id", "=", collectionId)
      .where("id", "=", documentId)
      .executeTakeFirst();
    if (!document) throw libraryErrors.documentNotFound(documentId);
    return { row, document, key: await collectionKey(this.#keyring, row) };
  }

  async getDocument(reader: Reader, collectionId: string, documentId: string): Promise<DocumentRecord> {
    const { document, key } = await this.#document(reader, collectionId, documentId);
    return toDocumentRecord(document, key);
  }

  async readExtracted(reader: Reader, collectionId: string, documentId: string): Promise<ExtractedDocument> {
    const { row } = await this.#row(reader, collectionId, mayRead);
    return readExtracted(this.#db, await collectionKey(this.#keyring, row), collectionId, documentId);
  }

  async readChunks(reader: Reader, collectionId: string, documentId: string): Promise<DocumentChunk[]> {
    const { document, key } = await this.#document(reader, collectionId, documentId);
    return openPassages(key, fieldBinding("passages", document), document.passages).chunks;
  }

  async deleteDocument(
    reader: Reader,
    collectionId: string,
    documentId: string,
    actor: string,
  ): Promise<void> {
    const { row } = await this.#row(reader, collectionId, (right) => right === "manage");
    const removed = await this.#db.transaction().execute(async (transaction) => {
      const document = await transaction
        .deleteFrom("documents")
        .where("collection_id", "=", collectionId)
        .where("id", "=", documentId)
        .returning(["blob_key", "bytes"])
        .executeTakeFirst();
      if (!document) return null;
      await removalsDue(transaction, [document.blob_key]);
      await transaction
        .updateTable("document_collections")
        .set({
          documents: sql<number>`documents - 1`,
          bytes: sql<number>`bytes - ${Number(document.bytes)}`,
          revision: sql<number>`revision + 1`,
          document_deleted_at: sql<Date>`clock_timestamp()`,
        })
        .where("id", "=", collectionId)
        .execute();
      return document;
    });
    if (!removed) throw libraryErrors.documentNotFound(documentId);
    this.cache.drop(collectionId);
    await removeNow(this.#db, this.#blobs, [removed.blob_key]);
    await this.#audit.append({
      actor,
      action: "document.deleted",
      target: documentId,
      organizationId: row.organization_id,
      metadata: { collection: collectionId, bytes: Number(removed.bytes) },
    });
  }

  async search(reader: Reader, request: SearchRequest, usage?: EmbeddingMeter): Promise<SearchHit[]> {
    const searched: CollectionRow[] = [];
    const hits = await searchCollections(
      {
        db: this.#db,
        keyring: this.#keyring,
        cache: this.cache,
        embed: meteredEmbedder(this.#embed, usage),
        readable: async (id) => {
          const { row } = await this.#row(reader, id, mayRead);
          searched.push(checkNotExpired(row));
          return row;
        },
      },
      reader.organizationId,
      request,
    );
    await touchCollections(this.#db, searched);
    return hits;
  }

  async updateAttributes(
    reader: Reader,
    collectionId: string,
    documentId: string,
    attributes: Record<string, string | number | boolean>,
    actor: string,
  ): Promise<DocumentRecord> {
    const { document, key } = await this.#document(
      reader,
      collectionId,
      documentId,
      (right) => right === "manage",
    );
    return updateDocumentAttributes(this.#db, this.#audit, { document, key, attributes, actor });
  }
}

function facts(row: CollectionRow) {
  return { organizationId: row.organization_id, owner: collectionOwner(row), sharedWith: sharedWith(row) };
}
