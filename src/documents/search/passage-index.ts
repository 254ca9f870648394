// Search over one collection's opened passages, held in memory only (issue 20: no plaintext index is
// ever written to disk). Hybrid: BM25 over the passages' words (keyword-index.ts) and cosine similarity
// of their embeddings (vector-index.ts), the two ranked lists fused by reciprocal rank (rank-fusion.ts).
// Passages live in numbered slots that removal frees for reuse; both indexes are kept incrementally. A
// collection opened whole is built in one pass (`PassageIndex.build`): the keyword index from all texts at
// once and the vectors copied into one matrix, with no object made per passage.
import type { DocumentChunk, SearchMode } from "../document-types.ts";
import { KeywordIndex } from "./keyword-index.ts";
import { fuseRanks } from "./rank-fusion.ts";
import type { Ranked } from "./top-k.ts";
import { VectorIndex } from "./vector-index.ts";

/** A passage as a search finds it: its document and its chunk. */
export interface PassageReference {
  documentId: string;
  chunk: DocumentChunk;
}

export interface IndexedPassage extends PassageReference {
  /** The passage's embedding; empty where the collection's model gave none. */
  vector: Float32Array;
}

/** One document's passages for `PassageIndex.build`: its vectors in one array, `dimensions` per passage. */
export interface PassageBatch {
  documentId: string;
  chunks: readonly DocumentChunk[];
  /** 0 where the document has no vectors. */
  dimensions: number;
  vectors: Float32Array;
}

export interface PassageMatch {
  passage: PassageReference;
  /** 0 to 1, higher is better. */
  score: number;
}

export interface PassageQuery {
  text: string;
  /** The query's embedding from the collection's model; null for keyword-only search. */
  vector: Float32Array | null;
  limit: number;
  mode: SearchMode;
  /** Only these documents' passages are ranked; all when absent. */
  documents?: ReadonlySet<string>;
}

/**
 * How deep each list is read before fusion: a passage ranked fairly low by one signal but high by the
 * other still earns the other's share.
 */
const fusionDepth = 100;

export class PassageIndex {
  readonly #documentIds: Array<string | undefined> = [];
  readonly #chunks: Array<DocumentChunk | undefined> = [];
  readonly #free: number[] = [];
  readonly #byDocument = new Map<string, number[]>();
  #keywords = new KeywordIndex();
  #vectors = new VectorIndex();
  #size = 0;
  #textBytes = 0;

  constructor(passages: Iterable<IndexedPassage> = []) {
    const batches: PassageBatch[] = [];
    for (const { documentId, chunk, vector } of passages)
      batches.push({ documentId, chunks: [chunk], dimensions: vector.length, vectors: vector });
    if (batches.length > 0) this.#build(batches);
  }

  /** An index of the documents' passages, built in one pass: the same index `add` would make. */
  static build(batches: readonly PassageBatch[]): PassageIndex {
    const index = new PassageIndex();
    index.#build(batches);
    return index;
  }

  #build(batches: readonly PassageBatch[]): void {
    const texts: string[] = [];
    for (const batch of batches) {
      let slots = this.#byDocument.get(batch.documentId);
      if (!slots) this.#byDocument.set(batch.documentId, (slots = []));
      for (const chunk of batch.chunks) {
        slots.push(texts.length);
        this.#documentIds.push(batch.documentId);
        this.#chunks.push(chunk);
        texts.push(chunk.text);
        this.#textBytes += chunk.text.length * 2;
      }
    }
    this.#keywords = KeywordIndex.build(texts);
    this.#vectors = VectorIndex.build(texts.length, batches);
    this.#size = texts.length;
  }

  add(passage: IndexedPassage): void {
    const slot = this.#free.pop() ?? this.#chunks.length;
    this.#documentIds[slot] = passage.documentId;
    this.#chunks[slot] = passage.chunk;
    this.#keywords.add(slot, passage.chunk.text);
    this.#vectors.set(slot, passage.vector);
    const slots = this.#byDocument.get(passage.documentId);
    if (slots) slots.push(slot);
    else this.#byDocument.set(passage.documentId, [slot]);
    this.#size++;
    this.#textBytes += passage.chunk.text.length * 2;
  }

  /** Drops every passage of one document, from both indexes. */
  removeDocument(documentId: string): void {
    const slots = this.#byDocument.get(documentId);
    if (!slots) return;
    this.#keywords.remove(slots);
    for (const slot of slots) {
      this.#vectors.delete(slot);
      this.#textBytes -= this.#chunks[slot]!.text.length * 2;
      this.#chunks[slot] = undefined;
      this.#documentIds[slot] = undefined;
      this.#free.push(slot);
    }
    this.#byDocument.delete(documentId);
    this.#size -= slots.length;
  }

  get size(): number {
    return this.#size;
  }

  /** Memory held, roughly: text, vectors and postings (for the cache's bound and the benchmark). */
  get bytes(): number {
    return this.#textBytes + this.#keywords.bytes + this.#vectors.bytes + this.#chunks.length * 16;
  }

  /**
   * The best passages for the query, best first, at most `limit`. "keyword" ranks by BM25, "vector" by
   * cosine (nothing without a query vector), "hybrid" fuses both, or is "keyword" where the query or the
   * passages have no vector of the same size.
   */
  search(query: PassageQuery): PassageMatch[] {
    const limit = Math.max(0, Math.floor(query.limit));
    if (this.#size === 0 || limit === 0) return [];
    const vector = this.#vectors.accepts(query.vector) ? query.vector : null;
    const mode = query.mode === "hybrid" && !vector ? "keyword" : query.mode;
    const documents = query.documents;
    const allowed = documents && ((slot: number) => documents.has(this.#documentIds[slot]!));
    if (mode === "keyword") {
      return this.#keywords
        .search(query.text, limit, allowed)
        .map((match) => this.#match(match.slot, match.normalized));
    }
    if (!vector) return [];
    if (mode === "vector") {
      return this.#vectors
        .search(vector, limit, allowed)
        .map((match) => this.#match(match.slot, Math.max(0, match.score)));
    }
    const depth = Math.max(limit, fusionDepth);
    const lists: Ranked[][] = [
      this.#keywords.search(query.text, depth, allowed),
      this.#vectors.search(vector, depth, allowed),
    ];
    return fuseRanks(lists, limit).map((match) => this.#match(match.slot, match.score));
  }

  #match(slot: number, score: number): PassageMatch {
    return { passage: { documentId: this.#documentIds[slot]!, chunk: this.#chunks[slot]! }, score };
  }
}
