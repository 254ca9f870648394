// BM25 keyword scoring over passages held in numbered slots. Postings are kept incrementally: adding a
// passage appends to its words' lists, removing passages filters them out of exactly the lists of their
// words, so the index never has to be rebuilt. Lists are typed arrays (slot, term frequency), unsorted.
// A collection opened whole is built in one pass instead (`KeywordIndex.build`): every word's term id
// into one array, then each list allocated at its final length and filled, with no list grown or copied.
import { isAscii, searchTokens, searchWords, wordTokens } from "./search-tokens.ts";
import { hashWord, scanAsciiWords, WordTable } from "./word-table.ts";
import { TopK, type Ranked } from "./top-k.ts";

/** BM25's usual parameters: term-frequency saturation and length normalisation. */
const k1 = 1.2;
const b = 0.75;
const maxFrequency = 0xffff;

class Postings {
  slots: Int32Array;
  frequencies: Uint16Array;
  length = 0;

  constructor(capacity = 4) {
    this.slots = new Int32Array(capacity);
    this.frequencies = new Uint16Array(capacity);
  }

  /** A full list of `length` entries, a window of arrays that other lists share. */
  static over(slots: Int32Array, frequencies: Uint16Array, start: number, length: number): Postings {
    const postings = new Postings(0);
    postings.slots = slots.subarray(start, start + length);
    postings.frequencies = frequencies.subarray(start, start + length);
    postings.length = length;
    return postings;
  }

  append(slot: number, frequency: number): void {
    if (this.length === this.slots.length) {
      const slots = new Int32Array(Math.max(4, this.length * 2));
      slots.set(this.slots);
      this.slots = slots;
      const frequencies = new Uint16Array(slots.length);
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

/** Term ids in a growing Int32Array: the words of one passage, or of a whole collection being built. */
class TermIds {
  ids: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.ids = new Int32Array(Math.max(16, capacity));
  }

  push(id: number): void {
    if (this.length === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    this.ids[this.length++] = id;
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
  readonly #words = new TermIds(256);
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
    const words = this.#words;
    words.length = 0;
    this.#collect(text, words);
    const ids = words.ids;
    // Counted after every id exists, so the counting arrays no longer grow under the loop.
    const counts = this.#counts;
    const countedFor = this.#countedFor;
    const mark = ++this.#adds;
    const distinct: number[] = [];
    for (let index = 0; index < words.length; index++) {
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
    this.#lengths[slot] = words.length;
    this.#documents++;
    this.#totalLength += words.length;
  }

  /** An index of the texts, the first in slot 0, built in one pass (the same index `add` would make). */
  static build(texts: readonly string[]): KeywordIndex {
    const index = new KeywordIndex();
    const count = texts.length;
    index.#ensureCapacity(count);
    let characters = 0;
    for (const text of texts) characters += text.length;
    // Every word's term id, passage after passage (about one word in six characters).
    const words = new TermIds(characters / 6);
    const wordEnds = new Int32Array(count);
    for (let slot = 0; slot < count; slot++) {
      index.#collect(texts[slot]!, words);
      wordEnds[slot] = words.length;
    }
    // Each passage's distinct terms and their counts, written over its words (never ahead of the reading).
    const ids = words.ids;
    const frequencies = new Uint16Array(words.length);
    const pairEnds = new Int32Array(count);
    const terms = index.#terms.length;
    const documentFrequency = new Int32Array(terms);
    const position = index.#counts;
    const countedFor = index.#countedFor;
    let read = 0;
    let write = 0;
    for (let slot = 0; slot < count; slot++) {
      const mark = ++index.#adds;
      const end = wordEnds[slot]!;
      const length = end - read;
      for (; read < end; read++) {
        const id = ids[read]!;
        if (countedFor[id] !== mark) {
          countedFor[id] = mark;
          position[id] = write;
          ids[write] = id;
          frequencies[write++] = 0;
          documentFrequency[id]!++;
        }
        const at = position[id]!;
        if (frequencies[at]! < maxFrequency) frequencies[at]!++;
      }
      pairEnds[slot] = write;
      index.#lengths[slot] = length;
      index.#totalLength += length;
    }
    // Every list is a window of two shared arrays, filled through a cursor per term (a list that grows
    // later moves to arrays of its own: `append` never writes past its window).
    const allSlots = new Int32Array(write);
    const allFrequencies = new Uint16Array(write);
    const cursors = new Int32Array(terms);
    const postings = index.#postings;
    for (let id = 0, at = 0; id < terms; at += documentFrequency[id++]!) {
      cursors[id] = at;
      postings[id] = Postings.over(allSlots, allFrequencies, at, documentFrequency[id]!);
    }
    const slotTerms = ids.slice(0, write);
    let start = 0;
    for (let slot = 0; slot < count; slot++) {
      const end = pairEnds[slot]!;
      for (let pair = start; pair < end; pair++) {
        const at = cursors[slotTerms[pair]!]!++;
        allSlots[at] = slot;
        allFrequencies[at] = frequencies[pair]!;
      }
      index.#slotTerms[slot] = slotTerms.subarray(start, end);
      start = end;
    }
    index.#documents = count;
    return index;
  }

  /** Appends the term ids of a text's words, in order. */
  #collect(text: string, out: TermIds): void {
    const several = (word: string) => {
      for (const id of this.#severalCache.get(word)!) out.push(id);
    };
    if (isAscii(text)) {
      // The common case, without a string per word: only new words are cut out of the text.
      scanAsciiWords(text, (start, end, hash) => {
        let id = this.#wordCache.find(text, start, end, hash);
        if (id === undefined || id === severalTerms) {
          const word = text.slice(start, end).toLowerCase();
          id ??= this.#learn(word, hash);
          if (id === severalTerms) several(word);
        }
        if (id >= 0) out.push(id);
      });
    } else {
      for (const word of searchWords(text)) {
        const hash = hashWord(word);
        const id = this.#wordCache.find(word, 0, word.length, hash) ?? this.#learn(word, hash);
        if (id >= 0) out.push(id);
        else if (id === severalTerms) several(word);
      }
    }
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

  /**
   * The `limit` best passages for the query, best first; passages sharing no word, or not `allowed`, are
   * left out.
   */
  search(query: string, limit: number, allowed?: (slot: number) => boolean): KeywordMatch[] {
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
      if (!allowed || allowed(slot)) best.push(slot, scores[slot]!);
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
