// The document library's search as the `file_search` tool sees it (issue 20): the caller's project is
// the reader, and each hit names the /v1 file its document came from, as OpenAI's file ids do.
import type { DocumentLibrary, EmbeddingMeter, Reader } from "../document-types.ts";

export interface VectorStoreHit {
  fileId: string;
  filename: string;
  score: number;
  text: string;
  attributes: Record<string, string | number | boolean>;
}

export function vectorStoreSearch(library: DocumentLibrary) {
  return async (
    caller: { organizationId: string; projectId: string },
    vectorStoreIds: string[],
    query: string,
    limit: number,
    usage?: EmbeddingMeter,
  ): Promise<VectorStoreHit[]> => {
    const reader: Reader = { organizationId: caller.organizationId, projectId: caller.projectId };
    const hits = await library.search(reader, { collectionIds: vectorStoreIds, query, limit }, usage);
    const documents = new Map(
      (
        await Promise.all(
          [...new Set(hits.map((hit) => hit.collectionId))].map((id) => library.listDocuments(reader, id)),
        )
      )
        .flat()
        .map((document) => [document.id, document]),
    );
    return hits.map((hit) => {
      const document = documents.get(hit.documentId);
      return {
        fileId: document?.fileId ?? hit.documentId,
        filename: hit.filename,
        score: hit.score,
        text: hit.chunk.text,
        attributes: document?.attributes ?? {},
      };
    });
  };
}
