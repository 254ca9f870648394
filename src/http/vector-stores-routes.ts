// /v1/vector_stores (issue 20): the document library's collections as OpenAI vector stores, owned by
// the caller's project: create, list (cursor pages), retrieve, modify, delete; their files (added from a
// /v1/files upload by id, listed, retrieved, removed); and search, in OpenAI's shapes. Registered inside
// the /v1 plugin, so the API key check there applies; adding a file obeys the `file_upload` switch.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { AccessModule } from "../access/access-module.ts";
import { errors } from "../core/errors.ts";
import type { Collection, DocumentLibrary, DocumentRecord, Reader } from "../documents/document-types.ts";
import type { FileService } from "../files/file-service.ts";

export interface VectorStoresRoutesDependencies {
  library: DocumentLibrary;
  files: Pick<FileService, "get" | "content">;
  features?: Pick<AccessModule, "requireKeyFeature">;
}

const metadata = Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]));
const expiresAfter = Type.Optional(
  Type.Union([
    Type.Object({ anchor: Type.Literal("last_active_at"), days: Type.Integer({ minimum: 1, maximum: 365 }) }),
    Type.Null(),
  ]),
);
const createBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 256 })),
    file_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 })),
    metadata,
    expires_after: expiresAfter,
  },
  { additionalProperties: true },
);
const updateBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    metadata,
    expires_after: expiresAfter,
  },
  { additionalProperties: true },
);
const attributes = Type.Optional(
  Type.Union([
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    Type.Null(),
  ]),
);
const fileBody = Type.Object(
  { file_id: Type.String({ minLength: 1, maxLength: 128 }), attributes },
  { additionalProperties: true },
);
const searchBody = Type.Object(
  {
    query: Type.Union([
      Type.String({ minLength: 1, maxLength: 4096 }),
      Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { minItems: 1, maxItems: 8 }),
    ]),
    max_num_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    ranking_options: Type.Optional(
      Type.Object({
        ranker: Type.Optional(Type.String()),
        score_threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
      }),
    ),
  },
  { additionalProperties: true },
);
const listQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 128 })),
  before: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
  order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")])),
  filter: Type.Optional(Type.String({ maxLength: 32 })),
});
type ListQuery = Static<typeof listQuery>;
type StoreParams = { id: string };
type FileParams = { id: string; file_id: string };

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const expiry = (value: { days: number } | null | undefined) =>
  value === undefined ? undefined : value === null ? null : new Date(Date.now() + value.days * 86_400_000);

function caller(request: FastifyRequest): { reader: Reader; actor: string } {
  const principal = request.principal;
  if (!principal) throw errors.missingApiKey();
  return {
    reader: { organizationId: principal.organizationId, projectId: principal.projectId },
    actor: principal.keyId,
  };
}

function storeObject(collection: Collection) {
  const created = seconds(collection.createdAt);
  return {
    id: collection.id,
    object: "vector_store",
    created_at: created,
    name: collection.name,
    usage_bytes: collection.bytes,
    file_counts: {
      in_progress: 0,
      completed: collection.documents,
      failed: 0,
      cancelled: 0,
      total: collection.documents,
    },
    status: "completed",
    expires_after: null,
    expires_at: collection.expiresAt ? seconds(collection.expiresAt) : null,
    last_active_at: created,
    metadata: collection.metadata,
  };
}

function fileObject(document: DocumentRecord) {
  return {
    id: document.fileId ?? document.id,
    object: "vector_store.file",
    usage_bytes: document.bytes,
    created_at: seconds(document.createdAt),
    vector_store_id: document.collectionId,
    status: document.status,
    last_error: document.error,
    chunking_strategy: { type: "static", static: { max_chunk_size_tokens: 300, chunk_overlap_tokens: 40 } },
    attributes: document.attributes,
  };
}

/** One cursor page of `items` (newest first as given), in OpenAI's list shape. */
function page<T extends { id: string }>(items: T[], query: ListQuery) {
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

export function vectorStoresRoutes(dependencies: VectorStoresRoutesDependencies) {
  const { library, files, features } = dependencies;

  async function documentOf(reader: Reader, storeId: string, fileId: string): Promise<DocumentRecord> {
    const documents = await library.listDocuments(reader, storeId);
    const document = documents.find((item) => (item.fileId ?? item.id) === fileId);
    if (!document) throw errors.notFound("file in this vector store", fileId);
    return document;
  }

  async function addFile(
    reader: Reader,
    actor: string,
    storeId: string,
    fileId: string,
    given: Record<string, string | number | boolean> | null | undefined,
  ): Promise<DocumentRecord> {
    if (features)
      await features.requireKeyFeature(
        { organizationId: reader.organizationId, keyId: actor },
        "file_upload",
      );
    // The store first: another project's or an unknown store is not found before any file is read.
    const existing = (await library.listDocuments(reader, storeId)).find((item) => item.fileId === fileId);
    if (existing) return existing;
    const stored = await files.get(reader.organizationId, fileId);
    const content = await files.content(reader.organizationId, fileId);
    return library.addDocument(
      reader,
      storeId,
      { filename: stored.filename, content, fileId, ...(given ? { attributes: given } : {}) },
      actor,
    );
  }

  return async function register(app: FastifyInstance): Promise<void> {
    app.post<{ Body: Static<typeof createBody> }>(
      "/vector_stores",
      { schema: { body: createBody } },
      async (request) => {
        const { reader, actor } = caller(request);
        const expiresAt = expiry(request.body.expires_after);
        // Every file must be this organisation's before the store is made: nothing half-made.
        for (const fileId of request.body.file_ids ?? []) await files.get(reader.organizationId, fileId);
        const collection = await library.createCollection(
          reader,
          {
            owner: { kind: "project", id: reader.projectId! },
            name: request.body.name ?? "",
            metadata: request.body.metadata ?? {},
            ...(expiresAt !== undefined ? { expiresAt } : {}),
          },
          actor,
        );
        for (const fileId of request.body.file_ids ?? [])
          await addFile(reader, actor, collection.id, fileId, null);
        return storeObject(await library.getCollection(reader, collection.id));
      },
    );

    app.get<{ Querystring: ListQuery }>(
      "/vector_stores",
      { schema: { querystring: listQuery } },
      async (request) => {
        const { reader } = caller(request);
        return page((await library.listCollections(reader)).map(storeObject), request.query);
      },
    );

    app.get<{ Params: StoreParams }>("/vector_stores/:id", async (request) => {
      const { reader } = caller(request);
      return storeObject(await library.getCollection(reader, request.params.id));
    });

    app.post<{ Params: StoreParams; Body: Static<typeof updateBody> }>(
      "/vector_stores/:id",
      { schema: { body: updateBody } },
      async (request) => {
        const { reader, actor } = caller(request);
        const { name, metadata: given, expires_after } = request.body;
        const expiresAt = expiry(expires_after);
        const collection = await library.updateCollection(
          reader,
          request.params.id,
          {
            ...(name !== undefined ? { name: name ?? "" } : {}),
            ...(given !== undefined ? { metadata: given ?? {} } : {}),
            ...(expiresAt !== undefined ? { expiresAt } : {}),
          },
          actor,
        );
        return storeObject(collection);
      },
    );

    app.delete<{ Params: StoreParams }>("/vector_stores/:id", async (request) => {
      const { reader, actor } = caller(request);
      await library.deleteCollection(reader, request.params.id, actor);
      return { id: request.params.id, object: "vector_store.deleted", deleted: true };
    });

    app.post<{ Params: StoreParams; Body: Static<typeof fileBody> }>(
      "/vector_stores/:id/files",
      { schema: { body: fileBody } },
      async (request) => {
        const { reader, actor } = caller(request);
        return fileObject(
          await addFile(reader, actor, request.params.id, request.body.file_id, request.body.attributes),
        );
      },
    );

    app.get<{ Params: StoreParams; Querystring: ListQuery }>(
      "/vector_stores/:id/files",
      { schema: { querystring: listQuery } },
      async (request) => {
        const { reader } = caller(request);
        const documents = await library.listDocuments(reader, request.params.id);
        const filter = request.query.filter;
        const listed = documents.filter((document) => filter === undefined || document.status === filter);
        return page(listed.map(fileObject), request.query);
      },
    );

    app.get<{ Params: FileParams }>("/vector_stores/:id/files/:file_id", async (request) => {
      const { reader } = caller(request);
      return fileObject(await documentOf(reader, request.params.id, request.params.file_id));
    });

    app.delete<{ Params: FileParams }>("/vector_stores/:id/files/:file_id", async (request) => {
      const { reader, actor } = caller(request);
      const document = await documentOf(reader, request.params.id, request.params.file_id);
      await library.deleteDocument(reader, request.params.id, document.id, actor);
      return { id: request.params.file_id, object: "vector_store.file.deleted", deleted: true };
    });

    app.post<{ Params: StoreParams; Body: Static<typeof searchBody> }>(
      "/vector_stores/:id/search",
      { schema: { body: searchBody } },
      async (request) => {
        const { reader } = caller(request);
        const queries = typeof request.body.query === "string" ? [request.body.query] : request.body.query;
        const hits = await library.search(reader, {
          collectionIds: [request.params.id],
          query: queries.join("\n"),
          limit: request.body.max_num_results ?? 10,
          minScore: request.body.ranking_options?.score_threshold ?? 0,
        });
        const documents = new Map(
          (await library.listDocuments(reader, request.params.id)).map((document) => [document.id, document]),
        );
        return {
          object: "vector_store.search_results.page",
          search_query: queries,
          data: hits.map((hit) => {
            const document = documents.get(hit.documentId);
            return {
              file_id: document?.fileId ?? hit.documentId,
              filename: hit.filename,
              score: hit.score,
              attributes: document?.attributes ?? {},
              content: [{ type: "text", text: hit.chunk.text }],
            };
          }),
          has_more: false,
          next_page: null,
        };
      },
    );
  };
}
