// Passages for the speed and memory measurements: about 1,200 characters each (the chunker's target),
// of words drawn from a Zipf distribution over a 30,000-word vocabulary, as words are in real text, so
// common words have long postings lists and rare ones short. Seeded: every run searches the same text.
import type { DocumentChunk } from "../../src/documents/document-types.ts";

const vocabularySize = 30_000;

/** A small, fast, seeded generator (mulberry32). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function vocabulary(random: () => number): string[] {
  const consonants = "bcdfghjklmnprstvwz";
  const vowels = "aeiou";
  const words = new Set<string>();
  while (words.size < vocabularySize) {
    const syllables = 1 + Math.floor(random() * 4);
    let word = "";
    for (let syllable = 0; syllable < syllables; syllable++)
      word +=
        consonants[Math.floor(random() * consonants.length)]! + vowels[Math.floor(random() * vowels.length)]!;
    words.add(word);
  }
  return [...words];
}

export function syntheticCollection(count: number, seed = 20): DocumentChunk[] {
  const random = generator(seed);
  const words = vocabulary(random);
  // Cumulative Zipf weights (exponent 1), searched by bisection for each word drawn.
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let rank = 0; rank < words.length; rank++) cumulative[rank] = total += 1 / (rank + 1);
  const draw = (): string => {
    const target = random() * total;
    let low = 0;
    let high = words.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return words[low]!;
  };
  const chunks: DocumentChunk[] = [];
  for (let index = 0; index < count; index++) {
    const parts: string[] = [];
    let length = 0;
    while (length < 1200) {
      const word = draw();
      parts.push(word);
      length += word.length + 1;
    }
    chunks.push({ index, text: parts.join(" "), page: null, section: null });
  }
  return chunks;
}
