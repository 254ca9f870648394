// BM25 keyword scoring over passages held in numbered slots. Postings are kept incrementally: adding a
// passage appends to its words' lists, removing passages filters them out of exactly the lists of their
// words, so the index never has to be rebuilt. Lists are typed arrays (slot, term frequency), unsorted.
import { TopK, type Ranked } from "./top-k.ts";

/** BM25's usual parameters: term-frequency saturation and length normalisation. */
const k1 = 1.2;
const b = 0.75;
const maxFrequency = 0xffff;

class Postings {
  slots = new Int32Array(4);
  frequencies = new Uint16Array(4);
  length = 0;

  append(slot: number, frequency: number): void {
    if (this.length === this.slots.length) {
      const slots = new Int32Array(this.length * 2);
      slots.set(this.slots);
      this.slots = slots;
      const frequencies = new Uint16Array(this.length * 2);
      frequencies.set(this.frequencies);
      this.frequencies = frequencies;
    }
    this.slots[this.length] = slot;
    this.frequencies[this.length] = Math.min(frequency, maxFrequency);
    this.length++;
  }

  /** Drops the entries of the given slots, keeping the others' order. */
  removeSlots(removed: ReadonlySet<number>): void {
    let kept = 0;
    for (let index = 0; index < this.length; index++) {
      const slot = this.slots[index]!;
      if (removed.has(slot)) continue;
      this.slots[kept] = slot;
      this.frequencies[kept] = this.frequencies[index]!;
      kept++;
    }
    this.length = kept;
  }

  get bytes(): number {
    return this.slots.byteLength + this.frequencies.byteLength;
  }
}

export interface KeywordMatch extends Ranked {
  /** The BM25 score over the highest a passage of average length could reach with every word once: 0 to 1. */
  normalized: number;
}

export class KeywordIndex {
  readonly #postings = new Map<string, Postings>();
  /** Each slot's distinct words (the postings' own keys), for removal. */
  readonly #slotTerms: Array<string[] | undefined> = [];
  #lengths = new Float64Array(16);
  #scores = new Float64Array(16);
  #documents = 0;
  #totalLength = 0;

  /** Indexes one passage's words under a free slot. */
  add(slot: number, tokens: readonly string[]): void {
    if (this.#slotTerms[slot]) throw new Error(`Slot ${slot} is already indexed.`);
    const counts = new Map<string, number>();
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    const terms: string[] = [];
    for (const [term, frequency] of counts) {
      let postings = this.#postings.get(term);
      if (!postings) this.#postings.set(term, (postings = new Postings()));
      postings.append(slot, frequency);
      terms.push(term);
    }
    this.#ensureCapacity(slot + 1);
    this.#slotTerms[slot] = terms;
    this.#lengths[slot] = tokens.length;
    this.#documents++;
    this.#totalLength += tokens.length;
  }

  /** Removes passages: their entries leave the lists of their words; a word left with none is dropped. */
  remove(slots: readonly number[]): void {
    const removed = new Set<number>();
    const touched = new Set<string>();
    for (const slot of slots) {
      const terms = this.#slotTerms[slot];
      if (!terms) continue;
      removed.add(slot);
      for (const term of terms) touched.add(term);
      this.#slotTerms[slot] = undefined;
      this.#documents--;
      this.#totalLength -= this.#lengths[slot]!;
      this.#lengths[slot] = 0;
    }
    for (const term of touched) {
      const postings = this.#postings.get(term)!;
      postings.removeSlots(removed);
      if (postings.length === 0) this.#postings.delete(term);
    }
  }

  /** How many passages hold the word (after stemming), for tests and diagnostics. */
  documentFrequency(term: string): number {
    return this.#postings.get(term)?.length ?? 0;
  }

  get terms(): number {
    return this.#postings.size;
  }

  get bytes(): number {
    let bytes = this.#lengths.byteLength + this.#scores.byteLength;
    for (const [term, postings] of this.#postings) bytes += term.length * 2 + 64 + postings.bytes;
    // Each slot's list of its words: one reference per word.
    for (const terms of this.#slotTerms) bytes += terms ? 16 + terms.length * 8 : 8;
    return bytes;
  }

  /** The `limit` best passages for the query's words, best first; passages sharing no word are left out. */
  search(queryTokens: readonly string[], limit: number): KeywordMatch[] {
    if (this.#documents === 0 || limit <= 0) return [];
    const averageLength = this.#totalLength / this.#documents || 1;
    const scores = this.#scores;
    const touched: number[] = [];
    let ceiling = 0;
    for (const term of new Set(queryTokens)) {
      const postings = this.#postings.get(term);
      if (!postings) continue;
      const frequency = postings.length;
      const idf = Math.log(1 + (this.#documents - frequency + 0.5) / (frequency + 0.5));
      ceiling += idf;
      const { slots, frequencies, length } = postings;
      for (let index = 0; index < length; index++) {
        const slot = slots[index]!;
        const tf = frequencies[index]!;
        const norm = k1 * (1 - b + (b * this.#lengths[slot]!) / averageLength);
        if (scores[slot] === 0) touched.push(slot);
        scores[slot]! += (idf * (tf * (k1 + 1))) / (tf + norm);
      }
    }
    const best = new TopK(limit);
    for (const slot of touched) {
      best.push(slot, scores[slot]!);
      scores[slot] = 0;
    }
    return best
      .take()
      .map((match) => ({ ...match, normalized: ceiling > 0 ? Math.min(1, match.score / ceiling) : 0 }));
  }

  #ensureCapacity(needed: number): void {
    if (needed <= this.#lengths.length) return;
    const capacity = Math.max(needed, this.#lengths.length * 2);
    const lengths = new Float64Array(capacity);
    lengths.set(this.#lengths);
    this.#lengths = lengths;
    this.#scores = new Float64Array(capacity);
  }
}
