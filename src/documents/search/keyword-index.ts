// BM25 keyword scoring over passages held in numbered slots. Postings are kept incrementally: adding a
// passage appends to its words' lists, removing passages filters them out of exactly the lists of their
// words, so the index never has to be rebuilt. Lists are typed arrays (slot, term frequency), unsorted.
import { isAscii, searchTokens, searchWords, wordTokens } from "./search-tokens.ts";
import { hashWord, scanAsciiWords, WordTable } from "./word-table.ts";
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

/** Words remembered with their term ids, so a word seen before is not folded and stemmed again. */
const wordCacheLimit = 100_000;
const noTerm = -1;
const severalTerms = -2;

export class KeywordIndex {
  /** Term ids by token, the token of each id, and each id's postings; ids of dropped terms are reused. */
  readonly #ids = new Map<string, number>();
  readonly #terms: Array<string | undefined> = [];
  readonly #postings: Array<Postings | undefined> = [];
  readonly #freeIds: number[] = [];
  readonly #wordCache = new WordTable();
  readonly #severalCache = new Map<string, readonly number[]>();
  readonly #idsBuffer: number[] = [];
  /** Each slot's distinct term ids, for removal. */
  readonly #slotTerms: Array<Int32Array | undefined> = [];
  #lengths = new Float64Array(16);
  #scores = new Float64Array(16);
  /** Per term id while adding one passage: its count, and which `add` call counted it. */
  #counts = new Int32Array(16);
  #countedFor = new Int32Array(16);
  #adds = 0;
  #documents = 0;
  #totalLength = 0;

  /** Indexes one passage's text under a free slot. */
  add(slot: number, text: string): void {
    if (this.#slotTerms[slot]) throw new Error(`Slot ${slot} is already indexed.`);
    const ids = this.#idsBuffer;
    ids.length = 0;
    const take = (word: string, id: number) => {
      if (id >= 0) ids.push(id);
      else if (id === severalTerms) ids.push(...this.#severalCache.get(word)!);
    };
    if (isAscii(text)) {
      // The common case, without a string per word: only new words are cut out of the text.
      scanAsciiWords(text, (start, end, hash) => {
        const id = this.#wordCache.find(text, start, end, hash);
        if (id !== undefined && id !== severalTerms) take("", id);
        else {
          const word = text.slice(start, end).toLowerCase();
          take(word, id ?? this.#learn(word, hash));
        }
      });
    } else {
      for (const word of searchWords(text)) {
        const hash = hashWord(word);
        take(word, this.#wordCache.find(word, 0, word.length, hash) ?? this.#learn(word, hash));
      }
    }
    // Counted after every id exists, so the counting arrays no longer grow under the loop.
    const counts = this.#counts;
    const countedFor = this.#countedFor;
    const mark = ++this.#adds;
    const distinct: number[] = [];
    for (let index = 0; index < ids.length; index++) {
      const id = ids[index]!;
      if (countedFor[id] !== mark) {
        countedFor[id] = mark;
        counts[id] = 0;
        distinct.push(id);
      }
      counts[id]!++;
    }
    for (const id of distinct) this.#postings[id]!.append(slot, counts[id]!);
    this.#ensureCapacity(slot + 1);
    this.#slotTerms[slot] = Int32Array.from(distinct);
    this.#lengths[slot] = ids.length;
    this.#documents++;
    this.#totalLength += ids.length;
  }

  /** Removes passages: their entries leave the lists of their words; a word left with none is dropped. */
  remove(slots: readonly number[]): void {
    const removed = new Set<number>();
    const touched = new Set<number>();
    for (const slot of slots) {
      const terms = this.#slotTerms[slot];
      if (!terms) continue;
      removed.add(slot);
      for (const id of terms) touched.add(id);
      this.#slotTerms[slot] = undefined;
      this.#documents--;
      this.#totalLength -= this.#lengths[slot]!;
      this.#lengths[slot] = 0;
    }
    for (const id of touched) {
      const postings = this.#postings[id]!;
      postings.removeSlots(removed);
      if (postings.length > 0) continue;
      this.#ids.delete(this.#terms[id]!);
      this.#terms[id] = undefined;
      this.#postings[id] = undefined;
      this.#freeIds.push(id);
    }
    // The cache may name words of the removed passages: it starts afresh.
    if (touched.size > 0) {
      this.#wordCache.clear();
      this.#severalCache.clear();
    }
  }

  /** How many passages hold the token (a stemmed word), for tests and diagnostics. */
  documentFrequency(token: string): number {
    const id = this.#ids.get(token);
    return id === undefined ? 0 : this.#postings[id]!.length;
  }

  get terms(): number {
    return this.#ids.size;
  }

  get bytes(): number {
    let bytes = this.#lengths.byteLength + this.#scores.byteLength;
    bytes += this.#counts.byteLength + this.#countedFor.byteLength;
    for (const [term] of this.#ids) bytes += term.length * 2 + 80;
    for (const postings of this.#postings) bytes += postings ? postings.bytes + 64 : 8;
    for (const terms of this.#slotTerms) bytes += terms ? terms.byteLength + 64 : 8;
    bytes += this.#wordCache.bytes;
    for (const [word, ids] of this.#severalCache) bytes += word.length * 2 + 80 + ids.length * 8;
    return bytes;
  }

  /** The `limit` best passages for the query, best first; passages sharing no word are left out. */
  search(query: string, limit: number): KeywordMatch[] {
    if (this.#documents === 0 || limit <= 0) return [];
    const averageLength = this.#totalLength / this.#documents || 1;
    const scores = this.#scores;
    const lengths = this.#lengths;
    const touched: number[] = [];
    const seen = new Set<number>();
    let ceiling = 0;
    for (const token of searchTokens(query)) {
      const id = this.#ids.get(token);
      if (id === undefined || seen.has(id)) continue;
      seen.add(id);
      const { slots, frequencies, length } = this.#postings[id]!;
      const idf = Math.log(1 + (this.#documents - length + 0.5) / (length + 0.5));
      ceiling += idf;
      for (let index = 0; index < length; index++) {
        const slot = slots[index]!;
        const tf = frequencies[index]!;
        const norm = k1 * (1 - b + (b * lengths[slot]!) / averageLength);
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

  /**
   * Folds and stems a word seen for the first time, making ids for its terms, and remembers it: its one
   * term id, `noTerm` for a function word, or `severalTerms` (then its ids are in the second cache).
   */
  #learn(word: string, hash: number): number {
    const ids = wordTokens(word).map((token) => this.#termId(token));
    if (this.#wordCache.size >= wordCacheLimit) {
      this.#wordCache.clear();
      this.#severalCache.clear();
    }
    const cached = ids.length === 0 ? noTerm : ids.length === 1 ? ids[0]! : severalTerms;
    if (cached === severalTerms) this.#severalCache.set(word, ids);
    this.#wordCache.add(word, hash, cached);
    return cached;
  }

  #termId(token: string): number {
    const known = this.#ids.get(token);
    if (known !== undefined) return known;
    const id = this.#freeIds.pop() ?? this.#terms.length;
    this.#ids.set(token, id);
    this.#terms[id] = token;
    this.#postings[id] = new Postings();
    if (id >= this.#counts.length) {
      const counts = new Int32Array(Math.max(id + 1, this.#counts.length * 2));
      counts.set(this.#counts);
      this.#counts = counts;
      const countedFor = new Int32Array(counts.length);
      countedFor.set(this.#countedFor);
      this.#countedFor = countedFor;
    }
    return id;
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
