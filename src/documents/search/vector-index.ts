// Vector similarity over passages held in numbered slots: each vector is normalised once when added and
// kept in one contiguous matrix (matrix-scorer.ts), so a query's cosine with every passage is a dot
// product over the whole matrix at once, on SIMD where the runtime has it, and the k best are picked with a
// heap instead of sorting every passage.
import { MatrixScorer } from "./matrix-scorer.ts";
import { TopK, type Ranked } from "./top-k.ts";

/** A unit-length copy of the vector; null where it has no length (all zeros, empty, or not finite). */
export function normalized(vector: Float32Array): Float32Array | null {
  let sum = 0;
  for (let index = 0; index < vector.length; index++) sum += vector[index]! * vector[index]!;
  if (!(sum > 0) || !Number.isFinite(sum)) return null;
  const scale = 1 / Math.sqrt(sum);
  const unit = new Float32Array(vector.length);
  for (let index = 0; index < vector.length; index++) unit[index] = vector[index]! * scale;
  return unit;
}

export class VectorIndex {
  /** Set by the first vector added: every vector of a collection comes from one model. */
  #dimensions = 0;
  #scorer = new MatrixScorer(0, 0);
  #present = new Uint8Array(0);
  #count = 0;
  /** One past the highest slot that holds a vector. */
  #end = 0;

  /**
   * The vectors of `count` passages, the batches' passages in order from slot 0, normalised in place in one
   * matrix allocated once. As with `set`, the first vector's length is the index's; others are left out.
   */
  static build(
    count: number,
    batches: Iterable<{ chunks: readonly unknown[]; dimensions: number; vectors: Float32Array }>,
  ): VectorIndex {
    const index = new VectorIndex();
    let slot = 0;
    for (const { chunks, dimensions, vectors } of batches) {
      if (dimensions > 0 && index.#dimensions === 0) {
        index.#dimensions = dimensions;
        index.#ensureCapacity(count);
      }
      if (dimensions > 0 && dimensions === index.#dimensions) {
        const { matrix, stride } = index.#scorer;
        for (let passage = 0; passage < chunks.length; passage++) {
          const start = passage * dimensions;
          matrix.set(vectors.subarray(start, start + dimensions), (slot + passage) * stride);
          index.#normalizeSlot(slot + passage);
        }
      }
      slot += chunks.length;
    }
    return index;
  }

  /** Scales the vector at the slot to unit length in place, or clears it where it has no length. */
  #normalizeSlot(slot: number): void {
    const { matrix, stride } = this.#scorer;
    const start = slot * stride;
    const end = start + this.#dimensions;
    let sum = 0;
    for (let index = start; index < end; index++) sum += matrix[index]! * matrix[index]!;
    if (!(sum > 0) || !Number.isFinite(sum)) {
      matrix.fill(0, start, end);
      return;
    }
    const scale = 1 / Math.sqrt(sum);
    for (let index = start; index < end; index++) matrix[index]! *= scale;
    this.#present[slot] = 1;
    this.#count++;
    this.#end = Math.max(this.#end, slot + 1);
  }

  get dimensions(): number {
    return this.#dimensions;
  }

  /** How many passages hold a vector. */
  get count(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#scorer.bytes + this.#present.byteLength;
  }

  /**
   * Stores a passage's vector. A vector of another size than the collection's (another model's), or an
   * empty one, is not stored: that passage is found by its words only. Returns whether it was stored.
   */
  set(slot: number, vector: Float32Array): boolean {
    if (vector.length === 0) return false;
    if (this.#dimensions === 0) this.#dimensions = vector.length;
    if (vector.length !== this.#dimensions) return false;
    const unit = normalized(vector);
    if (!unit) return false;
    this.#ensureCapacity(slot + 1);
    this.#scorer.matrix.set(unit, slot * this.#scorer.stride);
    if (!this.#present[slot]) this.#count++;
    this.#present[slot] = 1;
    this.#end = Math.max(this.#end, slot + 1);
    return true;
  }

  delete(slot: number): void {
    if (slot >= this.#present.length || !this.#present[slot]) return;
    this.#present[slot] = 0;
    const start = slot * this.#scorer.stride;
    this.#scorer.matrix.fill(0, start, start + this.#dimensions);
    this.#count--;
  }

  /** Whether a query vector can be compared with the stored ones. */
  accepts(vector: Float32Array | null): vector is Float32Array {
    return vector !== null && this.#count > 0 && vector.length === this.#dimensions;
  }

  /** The `limit` passages most similar to the query by cosine, best first (only `allowed` ones); score is the cosine. */
  search(vector: Float32Array, limit: number, allowed?: (slot: number) => boolean): Ranked[] {
    if (!this.accepts(vector) || limit <= 0) return [];
    const query = normalized(vector);
    if (!query) return [];
    const scores = this.#scorer.scores(query);
    const present = this.#present;
    const best = new TopK(limit);
    for (let slot = 0; slot < this.#end; slot++)
      if (present[slot] && (!allowed || allowed(slot))) best.push(slot, scores[slot]!);
    return best.take();
  }

  #ensureCapacity(slots: number): void {
    if (slots <= this.#present.length) return;
    const capacity = Math.max(slots, this.#present.length * 2, 16);
    const scorer = new MatrixScorer(capacity, this.#dimensions);
    scorer.matrix.set(this.#scorer.matrix);
    this.#scorer = scorer;
    const present = new Uint8Array(capacity);
    present.set(this.#present);
    this.#present = present;
  }
}
