// /v1/vector_stores/{id}/files (issue 20): add a /v1 file (under the `file_upload` switch), list,
// retrieve, change its `attributes`, read its parsed content, and remove it, in OpenAI's shapes.
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import {
  attributes,
  caller,
  fileObject,
  listQuery,
  page,
  storeActions,
  type FileParams,
  type ListQuery,
  type StoreParams,
  type VectorStoresRoutesDependencies,
} from "./vector-store-support.ts";
import { parseChunkingStrategy } from "./vector-store-chunking.ts";

const fileBody = Type.Object(
  {
    file_id: Type.String({ minLength: 1, maxLength: 128 }),
    attributes,
    chunking_strategy: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
const attributesBody = Type.Object(
  {
    attributes: Type.Union([
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
      Type.Null(),
    ]),
  },
  { additionalProperties: true },
);

export function vectorStoreFilesRoutes(dependencies: VectorStoresRoutesDependencies) {
  const { library } = dependencies;

  return async function register(app: FastifyInstance): Promise<void> {
    app.post<{ Params: StoreParams; Body: Static<typeof fileBody> }>(
      "/vector_stores/:id/files",
      { schema: { body: fileBody } },
      async (request) => {
        const { addFile, mayUpload } = storeActions(dependencies, request);
        await mayUpload();
        const chunking = parseChunkingStrategy(request.body.chunking_strategy, "chunking_strategy");
        return fileObject(
          await addFile(request.params.id, request.body.file_id, request.body.attributes, chunking),
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
      const { documentOf } = storeActions(dependencies, request);
      return fileObject(await documentOf(request.params.id, request.params.file_id));
    });

    app.post<{ Params: FileParams; Body: Static<typeof attributesBody> }>(
      "/vector_stores/:id/files/:file_id",
      { schema: { body: attributesBody } },
      async (request) => {
        const { reader, actor, documentOf } = storeActions(dependencies, request);
        const document = await documentOf(request.params.id, request.params.file_id);
        const updated = await library.updateAttributes(
          reader,
          request.params.id,
          document.id,
          request.body.attributes ?? {},
          actor,
        );
        return fileObject(updated);
      },
    );

    app.get<{ Params: FileParams }>("/vector_stores/:id/files/:file_id/content", async (request) => {
      const { reader, documentOf } = storeActions(dependencies, request);
      const document = await documentOf(request.params.id, request.params.file_id);
      const extracted = await library.readExtracted(reader, request.params.id, document.id);
      return {
        object: "vector_store.file_content.page",
        data: extracted.blocks.map((block) => ({ type: "text", text: block.text })),
        has_more: false,
        next_page: null,
      };
    });

    app.delete<{ Params: FileParams }>("/vector_stores/:id/files/:file_id", async (request) => {
      const { reader, actor, documentOf } = storeActions(dependencies, request);
      const document = await documentOf(request.params.id, request.params.file_id);
      await library.deleteDocument(reader, request.params.id, document.id, actor);
      return { id: request.params.file_id, object: "vector_store.file.deleted", deleted: true };
    });
  };
}
