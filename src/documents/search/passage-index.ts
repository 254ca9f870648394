// Search over one collection's opened passages, held in memory only (issue 20: no plaintext index is
// ever written to disk). Hybrid: BM25 over the passages' words (keyword-index.ts) and cosine similarity
// of their embeddings (vector-index.ts), the two ranked lists fused by reciprocal rank (rank-fusion.ts).
// Passages live in numbered slots that removal frees for reuse; both indexes are kept incrementally.
import type { DocumentChunk, SearchMode } from "../document-types.ts";
import { KeywordIndex } from "./keyword-index.ts";
import { fuseRanks } from "./rank-fusion.ts";
import type { Ranked } from "./top-k.ts";
import { VectorIndex } from "./vector-index.ts";

export interface IndexedPassage {
  documentId: string;
  chunk: DocumentChunk;
  /** The passage's embedding; empty where the collection's model gave none. */
  vector: Float32Array;
}

export interface PassageMatch {
  passage: IndexedPassage;
  /** 0 to 1, higher is better. */
  score: number;
}

export interface PassageQuery {
  text: string;
  /** The query's embedding from the collection's model; null for keyword-only search. */
  vector: Float32Array | null;
  limit: number;
  mode: SearchMode;
}

/**
 * How deep each list is read before fusion: a passage ranked fairly low by one signal but high by the
 * other still earns the other's share.
 */
const fusionDepth = 100;

export class PassageIndex {
  readonly #passages: Array<IndexedPassage | undefined> = [];
  readonly #free: number[] = [];
  readonly #byDocument = new Map<string, number[]>();
  readonly #keywords = new KeywordIndex();
  readonly #vectors = new VectorIndex();
  #size = 0;
  #textBytes = 0;

  constructor(passages: Iterable<IndexedPassage> = []) {
    for (const passage of passages) this.add(passage);
  }

  add(passage: IndexedPassage): void {
    const slot = this.#free.pop() ?? this.#passages.length;
    this.#passages[slot] = passage;
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
      this.#textBytes -= this.#passages[slot]!.chunk.text.length * 2;
      this.#passages[slot] = undefined;
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
    return this.#textBytes + this.#keywords.bytes + this.#vectors.bytes + this.#passages.length * 8;
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
    if (mode === "keyword") {
      return this.#keywords
        .search(query.text, limit)
        .map((match) => this.#match(match.slot, match.normalized));
    }
    if (!vector) return [];
    if (mode === "vector") {
      return this.#vectors
        .search(vector, limit)
        .map((match) => this.#match(match.slot, Math.max(0, match.score)));
    }
    const depth = Math.max(limit, fusionDepth);
    const lists: Ranked[][] = [this.#keywords.search(query.text, depth), this.#vectors.search(vector, depth)];
    return fuseRanks(lists, limit).map((match) => this.#match(match.slot, match.score));
  }

  #match(slot: number, score: number): PassageMatch {
    return { passage: this.#passages[slot]!, score };
  }
}
