// The k best of many scored items without sorting them all: a min-heap of k entries on typed arrays, so
// each of n candidates costs O(log k) at worst and usually one comparison with the heap's weakest entry.

export interface Ranked {
  slot: number;
  score: number;
}

export class TopK {
  readonly #limit: number;
  readonly #scores: Float64Array;
  readonly #slots: Int32Array;
  #length = 0;

  constructor(limit: number) {
    this.#limit = Math.max(0, Math.floor(limit));
    this.#scores = new Float64Array(this.#limit);
    this.#slots = new Int32Array(this.#limit);
  }

  /** Offers one item; kept while it is among the k best seen (ties go to the lower slot). */
  push(slot: number, score: number): void {
    if (this.#limit === 0 || Number.isNaN(score)) return;
    if (this.#length < this.#limit) {
      this.#scores[this.#length] = score;
      this.#slots[this.#length] = slot;
      this.#siftUp(this.#length++);
    } else if (this.#better(score, slot, this.#scores[0]!, this.#slots[0]!)) {
      this.#scores[0] = score;
      this.#slots[0] = slot;
      this.#siftDown(0);
    }
  }

  /** The items kept, best first. */
  take(): Ranked[] {
    const items: Ranked[] = [];
    for (let index = 0; index < this.#length; index++)
      items.push({ slot: this.#slots[index]!, score: this.#scores[index]! });
    return items.sort((left, right) => right.score - left.score || left.slot - right.slot);
  }

  #better(score: number, slot: number, otherScore: number, otherSlot: number): boolean {
    return score > otherScore || (score === otherScore && slot < otherSlot);
  }

  /** Whether the entry at `left` ranks above the one at `right`. */
  #above(left: number, right: number): boolean {
    return this.#better(this.#scores[left]!, this.#slots[left]!, this.#scores[right]!, this.#slots[right]!);
  }

  #siftUp(start: number): void {
    let child = start;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.#above(parent, child)) return;
      this.#swap(parent, child);
      child = parent;
    }
  }

  #siftDown(start: number): void {
    let parent = start;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let weakest = parent;
      if (left < this.#length && this.#above(weakest, left)) weakest = left;
      if (right < this.#length && this.#above(weakest, right)) weakest = right;
      if (weakest === parent) return;
      this.#swap(parent, weakest);
      parent = weakest;
    }
  }

  #swap(left: number, right: number): void {
    const score = this.#scores[left]!;
    const slot = this.#slots[left]!;
    this.#scores[left] = this.#scores[right]!;
    this.#slots[left] = this.#slots[right]!;
    this.#scores[right] = score;
    this.#slots[right] = slot;
  }
}
