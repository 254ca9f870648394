// /v1/vector_stores/{id}/file_batches (issue 20): several /v1 files added to a store in one call, in
// OpenAI's shapes (create, retrieve, cancel, list its files). The files are added one by one within the
// create call, so the batch it answers is finished (`createAndPoll` and `uploadAndPoll` poll once); a
// cancel from another call stops the files not yet added. A file that cannot be read fails alone, its
// reason kept as a code; a file id that is not the organisation's refuses the whole batch (404) first.
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { CustodianError, errors } from "../core/errors.ts";
import type { ChunkingOptions, FileBatchEntry } from "../documents/document-types.ts";
import {
  attributes,
  batchEntryObject,
  batchObject,
  caller,
  fileObject,
  listQuery,
  page,
  storeActions,
  type Attributes,
  type ListQuery,
  type StoreParams,
  type VectorStoresRoutesDependencies,
} from "./vector-store-support.ts";
import { parseChunkingStrategy } from "./vector-store-chunking.ts";

/** Files in one batch at most (each is read and embedded within the call). */
const maxBatchFiles = 500;

const fileId = Type.String({ minLength: 1, maxLength: 128 });
const createBody = Type.Object(
  {
    file_ids: Type.Optional(Type.Array(fileId, { maxItems: maxBatchFiles })),
    files: Type.Optional(
      Type.Array(
        Type.Object(
          { file_id: fileId, attributes, chunking_strategy: Type.Optional(Type.Unknown()) },
          { additionalProperties: true },
        ),
        {
          maxItems: maxBatchFiles,
        },
      ),
    ),
    attributes,
    chunking_strategy: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
type BatchParams = StoreParams & { batch_id: string };

/** A file's failure as the batch keeps it: the error's code, never its message (it may name the file). */
function failureCode(error: unknown): string {
  if (error instanceof CustodianError && error.status < 500 && error.code) return error.code;
  return "server_error";
}

export function vectorStoreBatchesRoutes(dependencies: VectorStoresRoutesDependencies) {
  const { library, files } = dependencies;

  return async function register(app: FastifyInstance): Promise<void> {
    app.post<{ Params: StoreParams; Body: Static<typeof createBody> }>(
      "/vector_stores/:id/file_batches",
      { schema: { body: createBody } },
      async (request) => {
        const { reader, addFile, mayUpload } = storeActions(dependencies, request);
        const { file_ids: ids, files: listed } = request.body;
        if ((ids === undefined) === (listed === undefined))
          throw errors.invalidRequest("Give either 'file_ids' or 'files'.", ids ? "files" : "file_ids");
        // Every strategy is checked before anything is written; a file's own wins over the batch's.
        const shared = parseChunkingStrategy(request.body.chunking_strategy, "chunking_strategy");
        const wanted: Array<{ fileId: string; attributes: Attributes | null; chunking?: ChunkingOptions }> =
          ids
            ? ids.map((id) => ({ fileId: id, attributes: request.body.attributes ?? null, chunking: shared }))
            : listed!.map((file, index) => ({
                fileId: file.file_id,
                attributes: file.attributes ?? null,
                chunking:
                  parseChunkingStrategy(file.chunking_strategy, `files[${index}].chunking_strategy`) ??
                  shared,
              }));
        if (wanted.length === 0)
          throw errors.invalidRequest("A batch holds at least one file.", ids ? "file_ids" : "files");
        await mayUpload();
        const storeId = request.params.id;
        // The store, then every file, before anything is written: nothing half-made.
        await library.getCollection(reader, storeId);
        for (const { fileId: id } of wanted) await files.get(reader.organizationId, id);
        let batch = await library.batches.create(
          reader,
          storeId,
          wanted.map((file) => file.fileId),
        );
        const seen = new Set<string>();
        for (const file of wanted) {
          if (seen.has(file.fileId)) continue;
          seen.add(file.fileId);
          let entry: FileBatchEntry;
          try {
            await addFile(storeId, file.fileId, file.attributes, file.chunking);
            entry = { fileId: file.fileId, status: "completed", code: null };
          } catch (error) {
            entry = { fileId: file.fileId, status: "failed", code: failureCode(error) };
          }
          if (!(await library.batches.settle(batch.id, entry))) break;
        }
        batch = await library.batches.finish(batch.id);
        return batchObject(batch);
      },
    );

    app.get<{ Params: BatchParams }>("/vector_stores/:id/file_batches/:batch_id", async (request) => {
      const { reader } = caller(request);
      return batchObject(await library.batches.get(reader, request.params.id, request.params.batch_id));
    });

    app.post<{ Params: BatchParams }>("/vector_stores/:id/file_batches/:batch_id/cancel", async (request) => {
      const { reader } = caller(request);
      return batchObject(await library.batches.cancel(reader, request.params.id, request.params.batch_id));
    });

    app.get<{ Params: BatchParams; Querystring: ListQuery }>(
      "/vector_stores/:id/file_batches/:batch_id/files",
      { schema: { querystring: listQuery } },
      async (request) => {
        const { reader } = caller(request);
        const batch = await library.batches.get(reader, request.params.id, request.params.batch_id);
        const documents = new Map(
          (await library.listDocuments(reader, request.params.id)).map((document) => [
            document.fileId,
            document,
          ]),
        );
        const filter = request.query.filter;
        const items = batch.files
          .filter((entry) => filter === undefined || entry.status === filter)
          .map((entry) => {
            const document = entry.status === "completed" ? documents.get(entry.fileId) : undefined;
            return document ? fileObject(document) : batchEntryObject(batch, entry);
          })
          // Newest first, as the store's own file list.
          .toReversed();
        return page(items, request.query);
      },
    );
  };
}
