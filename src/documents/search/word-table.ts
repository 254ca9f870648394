// The words of ASCII text found without making a string for each: one pass over the characters folds
// case, finds each word's bounds and hashes it, and an open-addressing table maps the hash to the word's
// remembered value, comparing characters in place. Only a word not seen before becomes a string. Word
// bounds are those of `searchWords` for ASCII text: letters and digits, with inner apostrophes before
// letters ("don't").

const a = 97;
const z = 122;
const upperA = 65;
const upperZ = 90;
const zero = 48;
const nine = 57;
const apostrophe = 39;

/** The character code folded to lower case, or -1 where it is not part of a word. */
function wordCode(code: number): number {
  if ((code >= a && code <= z) || (code >= zero && code <= nine)) return code;
  if (code >= upperA && code <= upperZ) return code + 32;
  return -1;
}

const isLetter = (code: number) => (code >= a && code <= z) || (code >= upperA && code <= upperZ);

/**
 * Calls `visit(start, end, hash)` for each word of an ASCII text, in order: the matches of
 * /[a-z0-9]+(?:'[a-z]+)*\/g in the lower-cased text, with the FNV-1a hash of the folded characters.
 */
export function scanAsciiWords(
  text: string,
  visit: (start: number, end: number, hash: number) => void,
): void {
  const length = text.length;
  let index = 0;
  while (index < length) {
    let code = wordCode(text.charCodeAt(index));
    if (code < 0) {
      index++;
      continue;
    }
    const start = index;
    let hash = 0x811c9dc5;
    // After an apostrophe only letters continue the word.
    let lettersOnly = false;
    for (;;) {
      hash = Math.imul(hash ^ code, 0x01000193);
      index++;
      if (index >= length) break;
      const next = text.charCodeAt(index);
      code = wordCode(next);
      if (code >= 0 && (!lettersOnly || code >= a)) continue;
      if (code < 0 && next === apostrophe && index + 1 < length && isLetter(text.charCodeAt(index + 1))) {
        code = apostrophe;
        lettersOnly = true;
        continue;
      }
      break;
    }
    visit(start, index, hash >>> 0);
  }
}

/** The hash `scanAsciiWords` gives a word, for words found otherwise (already folded). */
export function hashWord(word: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < word.length; index++)
    hash = Math.imul(hash ^ word.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

/** Whether `word` (folded) is the text's characters from `start` to `end`, folded. */
function sameWord(word: string, text: string, start: number, end: number): boolean {
  if (word.length !== end - start) return false;
  for (let index = 0; index < word.length; index++) {
    const code = text.charCodeAt(start + index);
    const folded = code >= upperA && code <= upperZ ? code + 32 : code;
    if (word.charCodeAt(index) !== folded) return false;
  }
  return true;
}

/**
 * Words with a number each, found by hash and compared in place (open addressing, linear probing). Each
 * slot holds its entry's hash beside the entry, so a probe reads no word unless the hashes agree.
 */
export class WordTable {
  #entries = new Int32Array(1024).fill(-1);
  #slotHashes = new Int32Array(1024);
  #words: string[] = [];
  #values = new Int32Array(512);

  get size(): number {
    return this.#words.length;
  }

  /** The value of the text's word from `start` to `end`, or undefined where the word is not in the table. */
  find(text: string, start: number, end: number, hash: number): number | undefined {
    const entries = this.#entries;
    const hashes = this.#slotHashes;
    const mask = entries.length - 1;
    const signed = hash | 0;
    for (let slot = signed & mask; ; slot = (slot + 1) & mask) {
      const entry = entries[slot]!;
      if (entry < 0) return undefined;
      if (hashes[slot] === signed && sameWord(this.#words[entry]!, text, start, end))
        return this.#values[entry];
    }
  }

  add(word: string, hash: number, value: number): void {
    const entry = this.#words.length;
    if ((entry + 1) * 2 > this.#entries.length) this.#grow();
    this.#place(entry, hash | 0);
    this.#words.push(word);
    this.#values[entry] = value;
  }

  clear(): void {
    this.#entries = new Int32Array(1024).fill(-1);
    this.#slotHashes = new Int32Array(1024);
    this.#words = [];
    this.#values = new Int32Array(512);
  }

  get bytes(): number {
    return (
      this.#entries.byteLength +
      this.#slotHashes.byteLength +
      this.#values.byteLength +
      this.#words.reduce((sum, word) => sum + word.length * 2 + 56, 0)
    );
  }

  #place(entry: number, signed: number): void {
    const mask = this.#entries.length - 1;
    let slot = signed & mask;
    while (this.#entries[slot]! >= 0) slot = (slot + 1) & mask;
    this.#entries[slot] = entry;
    this.#slotHashes[slot] = signed;
  }

  #grow(): void {
    const entries = this.#entries;
    const hashes = this.#slotHashes;
    this.#entries = new Int32Array(entries.length * 2).fill(-1);
    this.#slotHashes = new Int32Array(entries.length * 2);
    for (let slot = 0; slot < entries.length; slot++)
      if (entries[slot]! >= 0) this.#place(entries[slot]!, hashes[slot]!);
    const values = new Int32Array(this.#entries.length / 2);
    values.set(this.#values);
    this.#values = values;
  }
}
