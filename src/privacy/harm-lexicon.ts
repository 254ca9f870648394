// The built-in harm classifier's lexicon: words and phrases mapped to weighted concept tags, looked up
// by a hash the tokenizer computes as it scans, so a word in no list costs no string.
import { expansions, nounForms, normalizeWord, verbForms } from "./harm-normalize.ts";
import { compileEntry, type Entry, type Tag, type Weights } from "./harm-tags.ts";

interface PhraseNode {
  weights: Weights | undefined;
  entry: Entry | undefined;
  next: Map<string, PhraseNode> | undefined;
}

/** What one normalised word looks up to: its own tags, and phrases that begin with it. */
export interface Lookup {
  /** The word itself, one shared string. */
  word: string;
  weights: Weights | undefined;
  entry: Entry | undefined;
  phrases: Map<string, PhraseNode> | undefined;
  /** Slang written out ("gonna" is "going to"). */
  expand: readonly string[] | undefined;
}

function merge(into: Weights | undefined, add: Weights): Weights {
  if (!into) return add;
  const merged: Partial<Record<Tag, number>> = { ...into };
  for (const [tag, weight] of Object.entries(add) as Array<[Tag, number]>) {
    merged[tag] = Math.max(merged[tag] ?? 0, weight);
  }
  return merged;
}

/** FNV-1a, 32 bits: the tokenizer computes it as it scans a word, so a word that is in no list costs no string. */
export const hashSeed = 0x811c9dc5 | 0;

export function hashStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, 0x01000193);
}

export function hashWord(word: string): number {
  let hash = hashSeed;
  for (let index = 0; index < word.length; index += 1) hash = hashStep(hash, word.charCodeAt(index));
  return hash;
}

/** Tags a phrase takes from its words: who they name, and negation. */
const inherited: readonly Tag[] = [
  "first",
  "self",
  "selfPossessive",
  "second",
  "secondPossessive",
  "third",
  "thirdPossessive",
  "person",
  "group",
  "negation",
];

function inherit(weights: Weights, words: readonly Weights[]): Weights {
  const merged: Partial<Record<Tag, number>> = { ...weights };
  for (const word of words) {
    for (const tag of inherited) {
      const weight = word[tag];
      if (weight !== undefined && merged[tag] === undefined) merged[tag] = weight;
    }
  }
  return merged;
}

export class Lexicon {
  readonly #table = new Map<string, Lookup>();
  #compiled = false;
  // Open addressing over the words, keyed by hashWord; filled by compile().
  #hashes = new Int32Array(0);
  #slots: Array<Lookup | undefined> = [];
  #mask = 0;

  constructor() {
    for (const [word, parts] of expansions) this.#slot(word).expand = parts;
  }

  #slot(word: string): Lookup {
    if (this.#compiled) throw new Error("The lexicon is compiled: add words before the first lookup.");
    let slot = this.#table.get(word);
    // Every slot is made with every field, so all share one shape and reading them stays fast.
    if (!slot) {
      slot = { word, weights: undefined, entry: undefined, phrases: undefined, expand: undefined };
      this.#table.set(word, slot);
    }
    return slot;
  }

  /** Words with no tags that rules or phrases read by name ("year", "then"). */
  known(list: string): this {
    for (const word of list.split(/\s+/)) if (word) this.#slot(word);
    return this;
  }

  /** Tags each word of a space-separated list. */
  words(list: string, entry: Weights): this {
    for (const word of list.split(/\s+/)) {
      if (word.length === 0) continue;
      const slot = this.#slot(word);
      slot.weights = merge(slot.weights, entry);
    }
    return this;
  }

  /** Tags every inflection of each verb in the list ("stab" tags stabs, stabbed, stabbing). */
  verbs(list: string, entry: Weights): this {
    for (const verb of list.split(/\s+/)) if (verb) this.words(verbForms(verb).join(" "), entry);
    return this;
  }

  /** Tags the singular and plural of each noun in the list. */
  nouns(list: string, entry: Weights): this {
    for (const noun of list.split(/\s+/)) if (noun) this.words(nounForms(noun).join(" "), entry);
    return this;
  }

  /**
   * Tags comma-separated multi-word phrases. A phrase's tags replace those of its words: "kill
   * time" is an idiom, not a killing. A "*" in a phrase is written once per inflection of the verb
   * that follows it ("*beat up" matches "beating up").
   */
  phrases(list: string, entry: Weights): this {
    for (const raw of list.split(",")) {
      const text = raw.trim();
      if (text.length === 0) continue;
      const words = text.split(/\s+/);
      const variants = words[0]!.startsWith("*") ? verbForms(words[0]!.slice(1)) : [words[0]!];
      // A one-word entry in a phrase list is a word (as "kys" or "*firebomb").
      if (words.length === 1) this.words(variants.join(" "), entry);
      else for (const variant of variants) this.#phrase([variant, ...words.slice(1)], entry);
    }
    return this;
  }

  #phrase(raw: string[], entry: Weights): void {
    const words: string[] = [];
    for (const word of raw) normalizeWord(word, words);
    const [head, ...rest] = words;
    if (head === undefined) return;
    if (rest.length === 0) {
      this.words(head, entry);
      return;
    }
    const slot = this.#slot(head);
    let level = (slot.phrases ??= new Map());
    let node: PhraseNode | undefined;
    for (const word of rest) {
      this.#slot(word);
      node = level.get(word);
      if (!node) level.set(word, (node = { weights: undefined, entry: undefined, next: undefined }));
      level = node.next ??= new Map();
    }
    node!.weights = merge(node!.weights, entry);
  }

  /** Turns every word's and phrase's weights into entries; the lexicon is read-only afterwards. */
  compile(): this {
    // A phrase keeps who its words name ("can i" is still the speaker), unless it is an idiom.
    const visit = (level: Map<string, PhraseNode>, path: Weights[]): void => {
      for (const [word, node] of level) {
        const here = [...path, this.#table.get(word)?.weights ?? {}];
        if (node.weights)
          node.entry = compileEntry(node.weights.idiom ? node.weights : inherit(node.weights, here));
        if (node.next) visit(node.next, here);
      }
    };
    if (this.#compiled) return this;
    let size = 1;
    while (size < this.#table.size * 4) size *= 2;
    this.#hashes = new Int32Array(size);
    this.#slots = new Array<Lookup | undefined>(size);
    this.#mask = size - 1;
    for (const slot of this.#table.values()) {
      if (slot.weights) slot.entry = compileEntry(slot.weights);
      if (slot.phrases) visit(slot.phrases, [slot.weights ?? {}]);
      const hash = hashWord(slot.word);
      let index = hash & this.#mask;
      while (this.#slots[index]) index = (index + 1) & this.#mask;
      this.#hashes[index] = hash;
      this.#slots[index] = slot;
    }
    this.#compiled = true;
    return this;
  }

  lookup(word: string): Lookup | undefined {
    if (!this.#compiled) this.compile();
    return this.#table.get(word);
  }

  /** The entry for text[start, end) (lower case) whose hashWord is `hash`, without making a string. */
  lookupAt(text: string, start: number, end: number, hash: number): Lookup | undefined {
    if (!this.#compiled) this.compile();
    const length = end - start;
    for (let index = hash & this.#mask; ; index = (index + 1) & this.#mask) {
      const slot = this.#slots[index];
      if (!slot) return undefined;
      if (this.#hashes[index] !== hash || slot.word.length !== length) continue;
      let same = true;
      for (let offset = 0; offset < length; offset += 1) {
        if (slot.word.charCodeAt(offset) !== text.charCodeAt(start + offset)) {
          same = false;
          break;
        }
      }
      if (same) return slot;
    }
  }

  /** The entry of the phrase longestPhrase last found. */
  phraseEntry: Entry | undefined = undefined;

  /**
   * The length in words of the longest phrase starting at `start`, 0 for none; its entry is left
   * in `phraseEntry` (no object is made per call: this runs for most words of a text).
   */
  longestPhrase(words: readonly string[], start: number, first: Lookup): number {
    let level = first.phrases;
    let length = 0;
    for (let index = start + 1; level && index < words.length; index += 1) {
      const node = level.get(words[index]!);
      if (!node) break;
      if (node.entry) {
        this.phraseEntry = node.entry;
        length = index - start + 1;
      }
      level = node.next;
    }
    return length;
  }
}
