// Opened collections, held in memory only and bounded by bytes (issue 20): least recently used first
// out. An entry is of one revision of its collection; a newer revision (a document added or removed,
// here or on another node) opens it again. Dropped at once when the collection's key is destroyed.
import type { PassageIndex } from "../search/passage-index.ts";

/** A collection opened for search: its passages, and its documents' names for the hits. */
export interface OpenedCollection {
  index: PassageIndex;
  filenames: ReadonlyMap<string, string>;
}

interface Entry {
  revision: number;
  opened: OpenedCollection;
  bytes: number;
}

function sizeOf(opened: OpenedCollection): number {
  let bytes = opened.index.bytes;
  for (const [id, name] of opened.filenames) bytes += (id.length + name.length) * 2;
  return bytes;
}

export class IndexCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(collectionId: string, revision: number): OpenedCollection | null {
    const entry = this.#entries.get(collectionId);
    if (!entry) return null;
    if (entry.revision !== revision) {
      this.drop(collectionId);
      return null;
    }
    // Most recently used last.
    this.#entries.delete(collectionId);
    this.#entries.set(collectionId, entry);
    return entry.opened;
  }

  put(collectionId: string, revision: number, opened: OpenedCollection): void {
    this.drop(collectionId);
    const bytes = sizeOf(opened);
    // An index larger than the whole cache is used once and not kept.
    if (bytes > this.#maxBytes) return;
    this.#entries.set(collectionId, { revision, opened, bytes });
    this.#bytes += bytes;
    for (const [id, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(id);
      this.#bytes -= entry.bytes;
    }
  }

  drop(collectionId: string): void {
    const entry = this.#entries.get(collectionId);
    if (!entry) return;
    this.#entries.delete(collectionId);
    this.#bytes -= entry.bytes;
  }

  /** Bytes held, and collections open (for tests and the benchmark). */
  get stats(): { bytes: number; collections: number } {
    return { bytes: this.#bytes, collections: this.#entries.size };
  }
}
