// What the /v1/vector_stores routes share (issue 20): the caller as the library's reader, stores, files
// and batches in OpenAI's shapes, cursor pages, and adding one /v1 file to a store (under the
// `file_upload` switch, its embeddings metered as the caller's).
import { isDeepStrictEqual } from "node:util";
import type { FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { AccessModule } from "../access/access-module.ts";
import { errors } from "../core/errors.ts";
import type {
  ChunkingOptions,
  Collection,
  DocumentLibrary,
  DocumentRecord,
  FileBatch,
  FileBatchEntry,
  Reader,
} from "../documents/document-types.ts";
import { embeddingUsage } from "../documents/library/embedding-usage.ts";
import { chunkingStrategyObject } from "./vector-store-chunking.ts";
import type { FileService } from "../files/file-service.ts";
import type { Caller, CompletionObserver } from "../inference/completion-hooks.ts";

export interface VectorStoresRoutesDependencies {
  library: DocumentLibrary;
  files: Pick<FileService, "get" | "content">;
  features?: Pick<AccessModule, "requireKeyFeature">;
  /** Told the usage of the embedding calls made for a caller (the usage meter among them). */
  observers?: readonly CompletionObserver[];
}

export type Attributes = Record<string, string | number | boolean>;

export const attributes = Type.Optional(
  Type.Union([
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    Type.Null(),
  ]),
);
export const listQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 128 })),
  before: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
  order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")])),
  // A typo is a 400, not an empty list that looks like "no such files".
  filter: Type.Optional(
    Type.Union([
      Type.Literal("in_progress"),
      Type.Literal("completed"),
      Type.Literal("failed"),
      Type.Literal("cancelled"),
    ]),
  ),
});
export type ListQuery = Static<typeof listQuery>;
export type StoreParams = { id: string };
export type FileParams = { id: string; file_id: string };

export const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The caller as the library's reader (its project), the audit's actor, and the usage meter's caller. */
export function caller(request: FastifyRequest): { reader: Reader; actor: string; who: Caller } {
  const principal = request.principal;
  if (!principal) throw errors.missingApiKey();
  const { organizationId, projectId, keyId } = principal;
  return { reader: { organizationId, projectId }, actor: keyId, who: { organizationId, projectId, keyId } };
}

export function storeObject(collection: Collection) {
  const days = collection.expiresAfterDays;
  const expired = days !== null && collection.expiresAt !== null && collection.expiresAt <= new Date();
  return {
    id: collection.id,
    object: "vector_store",
    created_at: seconds(collection.createdAt),
    name: collection.name,
    usage_bytes: collection.bytes,
    file_counts: {
      in_progress: 0,
      completed: collection.documents,
      failed: 0,
      cancelled: 0,
      total: collection.documents,
    },
    status: expired ? "expired" : "completed",
    expires_after: days === null ? null : { anchor: "last_active_at", days },
    expires_at: collection.expiresAt ? seconds(collection.expiresAt) : null,
    last_active_at: seconds(collection.lastActiveAt),
    metadata: collection.metadata,
  };
}

export function fileObject(document: DocumentRecord) {
  return {
    id: document.fileId ?? document.id,
    object: "vector_store.file",
    usage_bytes: document.bytes,
    created_at: seconds(document.createdAt),
    vector_store_id: document.collectionId,
    status: document.status,
    last_error: document.error,
    chunking_strategy: chunkingStrategyObject(document.chunking),
    attributes: document.attributes,
  };
}

/** A batch's file that is not (or no longer) in the store: failed, cancelled or still to come. */
export function batchEntryObject(batch: FileBatch, entry: FileBatchEntry) {
  const failure =
    entry.code === null
      ? null
      : entry.code === "unsupported_file" || entry.code === "server_error"
        ? { code: entry.code, message: lastErrorMessages[entry.code] }
        : { code: "invalid_file", message: lastErrorMessages.invalid_file };
  return {
    id: entry.fileId,
    object: "vector_store.file",
    usage_bytes: 0,
    created_at: seconds(batch.createdAt),
    vector_store_id: batch.collectionId,
    status: entry.status,
    last_error: failure,
    chunking_strategy: chunkingStrategyObject(),
    attributes: {},
  };
}

/** A failed file's error, in words that name no file (the batch keeps only the code). */
const lastErrorMessages = {
  unsupported_file: "The file is not a supported document.",
  invalid_file: "The file could not be read as a document (damaged, encrypted, empty or too large).",
  server_error: "The file could not be added; try again.",
} as const;

export function batchObject(batch: FileBatch) {
  const count = (status: FileBatchEntry["status"]) =>
    batch.files.filter((entry) => entry.status === status).length;
  return {
    id: batch.id,
    object: "vector_store.files_batch",
    created_at: seconds(batch.createdAt),
    vector_store_id: batch.collectionId,
    status: batch.status,
    file_counts: {
      in_progress: count("in_progress"),
      completed: count("completed"),
      failed: count("failed"),
      cancelled: count("cancelled"),
      total: batch.files.length,
    },
  };
}

/** One cursor page of `items` (newest first as given), in OpenAI's list shape. */
export function page<T extends { id: string }>(items: T[], query: ListQuery) {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (limit < 1 || limit > 100) throw errors.invalidRequest("'limit' must be from 1 to 100.", "limit");
  let ordered = query.order === "asc" ? items.toReversed() : items;
  for (const [cursor, side] of [
    [query.after, "after"],
    [query.before, "before"],
  ] as const) {
    if (cursor === undefined) continue;
    const at = ordered.findIndex((item) => item.id === cursor);
    if (at === -1) throw errors.invalidRequest(`'${side}' is not an id of this list.`, side);
    ordered = side === "after" ? ordered.slice(at + 1) : ordered.slice(0, at);
  }
  const data = query.before !== undefined ? ordered.slice(-limit) : ordered.slice(0, limit);
  return {
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: ordered.length > data.length,
  };
}

/** The calls the routes make on the library for a request's caller. */
export function storeActions(dependencies: VectorStoresRoutesDependencies, request: FastifyRequest) {
  const { library, files, features } = dependencies;
  const { reader, actor, who } = caller(request);
  const usage = embeddingUsage(dependencies.observers ?? [], who, request.id);

  async function documentOf(storeId: string, fileId: string): Promise<DocumentRecord> {
    const documents = await library.listDocuments(reader, storeId);
    const document = documents.find((item) => (item.fileId ?? item.id) === fileId);
    if (!document) throw errors.notFound("file in this vector store", fileId);
    return document;
  }

  /** Refused (403) when the `file_upload` switch is off for the caller's key. */
  async function mayUpload(): Promise<void> {
    if (features)
      await features.requireKeyFeature(
        { organizationId: reader.organizationId, keyId: actor },
        "file_upload",
      );
  }

  /**
   * Adds a /v1 file to the store (once: a file already in it is answered as it is, with the attributes
   * given now, so that later filters match what the caller last said).
   */
  async function addFile(
    storeId: string,
    fileId: string,
    given?: Attributes | null,
    chunking?: ChunkingOptions,
  ): Promise<DocumentRecord> {
    // The store first: another project's or an unknown store is not found before any file is read.
    const existing = (await library.listDocuments(reader, storeId)).find((item) => item.fileId === fileId);
    if (existing && chunking && !isDeepStrictEqual(existing.chunking, chunking))
      throw errors.invalidRequest(
        "This file is already in the vector store with another chunking; delete it from the store first.",
        "chunking_strategy",
      );
    if (existing)
      return given && !isDeepStrictEqual(existing.attributes, given)
        ? library.updateAttributes(reader, storeId, existing.id, given, actor)
        : existing;
    const stored = await files.get(reader.organizationId, fileId);
    const content = await files.content(reader.organizationId, fileId);
    return library.addDocument(
      reader,
      storeId,
      {
        filename: stored.filename,
        content,
        fileId,
        ...(given ? { attributes: given } : {}),
        ...(chunking ? { chunking } : {}),
      },
      actor,
      usage,
    );
  }

  return { library, files, reader, actor, usage, documentOf, mayUpload, addFile };
}
