// Search over several collections (issue 20): each opened into memory from its sealed passages (or
// taken from the cache when its revision is unchanged), the query embedded once per embedding model,
// the hits of all of them fused by score.
import type { Keyring } from "../../crypto/keyring.ts";
import type { Db } from "../../db/database.ts";
import type { SearchHit, SearchRequest } from "../document-types.ts";
import { PassageIndex, type PassageBatch } from "../search/passage-index.ts";
import { checkSearch } from "./collection-input.ts";
import { collectionKey, type CollectionRow } from "./collection-rows.ts";
import { fieldBinding, type DocumentRow } from "./document-rows.ts";
import type { IndexCache, OpenedCollection } from "./index-cache.ts";
import type { Embedder } from "./passage-embedder.ts";
import { openJson, openPassages } from "./sealed-passages.ts";

export interface SearchDependencies {
  db: Db;
  keyring: Keyring;
  cache: IndexCache;
  embed: Embedder;
  /** The collection if the reader may read it; throws not found otherwise. */
  readable(id: string): Promise<CollectionRow>;
}

/** A stored document as opening a collection reads it: the sealed name and passages. */
export type SealedDocument = Pick<DocumentRow, "id" | "organization_id" | "filename" | "passages">;

/**
 * The collection's documents opened into memory under its key: built in one pass, each document's vectors
 * copied into the index's one matrix and not kept (the benchmark times this very function).
 */
export function openDocuments(key: Buffer, documents: Iterable<SealedDocument>): OpenedCollection {
  const batches: PassageBatch[] = [];
  const filenames = new Map<string, string>();
  for (const document of documents) {
    filenames.set(document.id, openJson<string>(key, fieldBinding("filename", document), document.filename));
    const opened = openPassages(key, fieldBinding("passages", document), document.passages);
    batches.push({ documentId: document.id, ...opened });
  }
  return { index: PassageIndex.build(batches), filenames };
}

async function openCollection(
  dependencies: SearchDependencies,
  row: CollectionRow,
): Promise<OpenedCollection> {
  const cached = dependencies.cache.get(row.id, row.revision);
  if (cached) return cached;
  const key = await collectionKey(dependencies.keyring, row);
  const documents = await dependencies.db
    .selectFrom("documents")
    .select(["id", "organization_id", "filename", "passages"])
    .where("collection_id", "=", row.id)
    .execute();
  const collection = openDocuments(key, documents);
  dependencies.cache.put(row.id, row.revision, collection);
  return collection;
}

export async function searchCollections(
  dependencies: SearchDependencies,
  organizationId: string,
  request: SearchRequest,
): Promise<SearchHit[]> {
  const { query, limit, minScore, mode } = checkSearch(request);
  // Every id is checked before any is opened: one unreadable id refuses the whole search.
  const rows: CollectionRow[] = [];
  for (const id of new Set(request.collectionIds)) rows.push(await dependencies.readable(id));
  const queryVectors = new Map<string, Float32Array>();
  const hits: SearchHit[] = [];
  for (const row of rows) {
    const opened = await openCollection(dependencies, row);
    let vector: Float32Array | null = null;
    if (row.embedding_model && mode !== "keyword") {
      vector = queryVectors.get(row.embedding_model) ?? null;
      if (!vector) {
        vector = (await dependencies.embed(organizationId, row.embedding_model, [query]))[0] ?? null;
        if (vector) queryVectors.set(row.embedding_model, vector);
      }
    }
    const matches = opened.index.search({
      text: query,
      vector: vector ?? null,
      limit,
      mode: vector ? mode : "keyword",
      ...(request.documentIds ? { documents: request.documentIds } : {}),
    });
    for (const match of matches) {
      if (match.score < minScore) continue;
      hits.push({
        collectionId: row.id,
        documentId: match.passage.documentId,
        filename: opened.filenames.get(match.passage.documentId) ?? "",
        chunk: match.passage.chunk,
        score: match.score,
      });
    }
  }
  return hits.sort((left, right) => right.score - left.score).slice(0, limit);
}
