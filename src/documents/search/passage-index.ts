// Search over one collection's opened passages, held in memory only (issue 20: no plaintext index is
// ever written to disk). This first version scores by shared words; the search work of issue 20 makes
// it hybrid: BM25 keywords and vector similarity, fused.
import type { DocumentChunk, SearchMode } from "../document-types.ts";

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

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export class PassageIndex {
  readonly #passages: IndexedPassage[] = [];

  constructor(passages: Iterable<IndexedPassage> = []) {
    for (const passage of passages) this.add(passage);
  }

  add(passage: IndexedPassage): void {
    this.#passages.push(passage);
  }

  /** Drops every passage of one document. */
  removeDocument(documentId: string): void {
    for (let index = this.#passages.length - 1; index >= 0; index--) {
      if (this.#passages[index]!.documentId === documentId) this.#passages.splice(index, 1);
    }
  }

  get size(): number {
    return this.#passages.length;
  }

  /** Memory held, roughly: text and vectors (for the cache's bound and the benchmark). */
  get bytes(): number {
    return this.#passages.reduce(
      (sum, passage) => sum + passage.chunk.text.length * 2 + passage.vector.byteLength,
      0,
    );
  }

  search(query: PassageQuery): PassageMatch[] {
    const wanted = new Set(words(query.text));
    if (wanted.size === 0) return [];
    return this.#passages
      .map((passage) => {
        const found = new Set(words(passage.chunk.text).filter((word) => wanted.has(word)));
        return { passage, score: found.size / wanted.size };
      })
      .filter((match) => match.score > 0)
      .sort((left, right) => right.score - left.score)
      .slice(0, query.limit);
  }
}
