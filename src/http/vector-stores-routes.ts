// /v1/vector_stores (issue 20): the document library's collections as OpenAI vector stores, owned by
// the caller's project: create, list (cursor pages), retrieve, modify, delete, and search, in OpenAI's
// shapes; their files (vector-store-files-routes.ts) and file batches (vector-store-batches-routes.ts).
// Registered inside the /v1 plugin, so the API key check there applies; adding a file obeys the
// `file_upload` switch; the embeddings made for a caller count in their usage meters.
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { errors } from "../core/errors.ts";
import { parseAttributeFilter } from "../documents/library/attribute-filter.ts";
import { vectorStoreSearch } from "../documents/library/vector-store-search.ts";
import { parseRankingOptions } from "../documents/library/ranking-options.ts";
import { parseChunkingStrategy } from "./vector-store-chunking.ts";
import { vectorStoreBatchesRoutes } from "./vector-store-batches-routes.ts";
import { vectorStoreFilesRoutes } from "./vector-store-files-routes.ts";
import {
  caller,
  listQuery,
  page,
  storeActions,
  storeObject,
  type ListQuery,
  type StoreParams,
  type VectorStoresRoutesDependencies,
} from "./vector-store-support.ts";

export type { VectorStoresRoutesDependencies } from "./vector-store-support.ts";

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
    chunking_strategy: Type.Optional(Type.Unknown()),
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
const searchBody = Type.Object(
  {
    query: Type.Union([
      Type.String({ minLength: 1, maxLength: 4096 }),
      Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { minItems: 1, maxItems: 8 }),
    ]),
    max_num_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    // Checked by parseRankingOptions and parseAttributeFilter, whose errors name the part that is wrong.
    ranking_options: Type.Optional(
      Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    ),
    filters: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
    rewrite_query: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

/** `expires_after` as the library's days after the last activity (null: never; undefined: unchanged). */
const afterDays = (value: { days: number } | null | undefined) =>
  value === undefined ? undefined : value === null ? null : value.days;

export function vectorStoresRoutes(dependencies: VectorStoresRoutesDependencies) {
  const { library, files } = dependencies;

  return async function register(app: FastifyInstance): Promise<void> {
    app.post<{ Body: Static<typeof createBody> }>(
      "/vector_stores",
      { schema: { body: createBody } },
      async (request) => {
        const { reader, actor, addFile, mayUpload } = storeActions(dependencies, request);
        const fileIds = request.body.file_ids ?? [];
        const chunking = parseChunkingStrategy(request.body.chunking_strategy, "chunking_strategy");
        // Every file must be this organisation's, and uploads allowed, before the store is made.
        if (fileIds.length > 0) await mayUpload();
        for (const fileId of fileIds) await files.get(reader.organizationId, fileId);
        const days = afterDays(request.body.expires_after);
        const collection = await library.createCollection(
          reader,
          {
            owner: { kind: "project", id: reader.projectId! },
            name: request.body.name ?? "",
            metadata: request.body.metadata ?? {},
            ...(days != null ? { expiresAfterDays: days } : {}),
          },
          actor,
        );
        for (const fileId of fileIds) await addFile(collection.id, fileId, null, chunking);
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
        const days = afterDays(expires_after);
        const collection = await library.updateCollection(
          reader,
          request.params.id,
          {
            ...(name !== undefined ? { name: name ?? "" } : {}),
            ...(given !== undefined ? { metadata: given ?? {} } : {}),
            ...(days !== undefined ? { expiresAfterDays: days } : {}),
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

    app.post<{ Params: StoreParams; Body: Static<typeof searchBody> }>(
      "/vector_stores/:id/search",
      { schema: { body: searchBody } },
      async (request) => {
        const { reader, usage } = storeActions(dependencies, request);
        const queries = typeof request.body.query === "string" ? [request.body.query] : request.body.query;
        // Refused rather than ignored: `search_query` would claim a rewrite that never happened.
        if (request.body.rewrite_query === true)
          throw errors.invalidRequest(
            "Query rewriting is not offered here; search with the query as given.",
            "rewrite_query",
            "unsupported_parameter",
          );
        const { minScore } = parseRankingOptions(request.body.ranking_options, "ranking_options");
        const filter =
          request.body.filters == null ? null : parseAttributeFilter(request.body.filters, "filters");
        const hits = await vectorStoreSearch(library)(
          reader,
          {
            vectorStoreIds: [request.params.id],
            query: queries.join("\n"),
            limit: request.body.max_num_results ?? 10,
            minScore,
            filter,
          },
          usage,
        );
        return {
          object: "vector_store.search_results.page",
          search_query: queries,
          data: hits.map((hit) => ({
            file_id: hit.fileId,
            filename: hit.filename,
            score: hit.score,
            attributes: hit.attributes,
            content: [{ type: "text", text: hit.text }],
          })),
          has_more: false,
          next_page: null,
        };
      },
    );

    await app.register(vectorStoreFilesRoutes(dependencies));
    await app.register(vectorStoreBatchesRoutes(dependencies));
  };
}
