// The document library's search as `/v1/vector_stores/{id}/search` and the `file_search` tool see it
// (issue 20): the caller's project is the reader, and each hit names the /v1 file its document came from, as OpenAI's file ids do. An
// attribute filter picks the documents before the passages are ranked.
import type { DocumentLibrary, DocumentRecord, EmbeddingMeter, Reader } from "../document-types.ts";
import { matchingDocuments, type AttributeFilter } from "./attribute-filter.ts";

export interface VectorStoreHit {
  fileId: string;
  filename: string;
  score: number;
  text: string;
  attributes: Record<string, string | number | boolean>;
}

export interface VectorStoreQuery {
  vectorStoreIds: string[];
  query: string;
  limit: number;
  /** Hits scoring below this (0 to 1) are dropped. */
  minScore?: number;
  filter?: AttributeFilter | null;
}

export function vectorStoreSearch(library: DocumentLibrary) {
  return async (
    reader: Reader,
    search: VectorStoreQuery,
    usage?: EmbeddingMeter,
  ): Promise<VectorStoreHit[]> => {
    // Listed first: the filter needs every document's attributes, and the hits their file ids.
    const listed: DocumentRecord[] = [];
    for (const id of new Set(search.vectorStoreIds))
      listed.push(...(await library.listDocuments(reader, id)));
    const hits = await library.search(
      reader,
      {
        collectionIds: search.vectorStoreIds,
        query: search.query,
        limit: search.limit,
        ...(search.minScore !== undefined ? { minScore: search.minScore } : {}),
        ...(search.filter ? { documentIds: matchingDocuments(search.filter, listed) } : {}),
      },
      usage,
    );
    const documents = new Map(listed.map((document) => [document.id, document]));
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
