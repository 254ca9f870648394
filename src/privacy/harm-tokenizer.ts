// Splits text into normalised words and clauses and looks each word and phrase up in the lexicon, in
// one linear pass with no regular expression over the whole text.
import { hashSeed, hashStep, type Lexicon, type Lookup } from "./harm-lexicon.ts";
import { normalizeWord } from "./harm-normalize.ts";
import { tags, type Entry } from "./harm-tags.ts";

export interface Analysis {
  /** The normalised words; "" for a word in no list of the lexicon (the rules never read those). */
  words: string[];
  /** Per word: its tags, or a phrase's tags on the phrase's first word; undefined for plain words. */
  entries: Array<Entry | undefined>;
  /** Per word: how many words its entry covers (a phrase's length), 0 for words inside a phrase. */
  spans: number[];
  /** The words written with a capital letter inside a clause, so perhaps names. */
  capitals: Set<number>;
  /** The words after a comma, colon, dash or bracket, where an order may start. */
  breaks: Set<number>;
  /** The index of each clause's first word, and the word count at the end. */
  clauses: number[];
  /** Per clause: it ended with a question mark. */
  questions: boolean[];
  /** Per clause: it holds a word that can make it harmful (grammar words alone do not). */
  triggered: boolean[];
  /** The sum of each tag's weights over the whole text, indexed as `tags`. */
  totals: Float64Array;
  /** Profane words, counted inside phrases too. */
  profanity: number;
}

function isWordCode(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 39 ||
    (code >= 0xc0 &&
      code !== 0x2014 &&
      code !== 0x2013 &&
      code !== 0x2026 &&
      (code < 0x2018 || code > 0x201f))
  );
}

/** A comma, colon, dash, bracket or quote: not the end of a clause ("keep talking, and I'll ..."). */
function isSoftBreak(code: number): boolean {
  return (
    code === 44 ||
    code === 58 ||
    code === 40 ||
    code === 41 ||
    code === 34 ||
    code === 0x2014 ||
    code === 0x2013
  );
}

/** Sentence ends, semicolons and line breaks end a clause; commas do not ("keep talking and I'll ..."). */
function endsClause(code: number): boolean {
  return code === 46 || code === 33 || code === 63 || code === 59 || code === 10 || code === 0x2026;
}

/** Collapses letters repeated three or more times down to `keep` ("kiiiill" -> "kiill", "kil"). */
function collapse(word: string, keep: number): string {
  let out = "";
  let run = 0;
  for (let index = 0; index < word.length; index += 1) {
    const char = word[index]!;
    run = index > 0 && word[index - 1] === char ? run + 1 : 1;
    if (run <= keep) out += char;
  }
  return out;
}

function hasTripleLetter(word: string): boolean {
  for (let index = 2; index < word.length; index += 1) {
    if (word[index] === word[index - 1] && word[index] === word[index - 2]) return true;
  }
  return false;
}

export function tokenize(original: string, lexicon: Lexicon): Analysis {
  const text = original.includes("\u2019")
    ? original.toLowerCase().replaceAll("\u2019", "'")
    : original.toLowerCase();
  const words: string[] = [];
  const found: Array<Lookup | undefined> = [];
  const capitals = new Set<number>();
  const breaks = new Set<number>();
  let pendingBreak = false;
  const clauses: number[] = [0];
  const questions: boolean[] = [];
  let clauseStart = 0;
  let index = 0;
  const length = text.length;
  const spill: string[] = [];
  while (index < length) {
    const code = text.charCodeAt(index);
    if (!isWordCode(code)) {
      if (isSoftBreak(code)) pendingBreak = true;
      if (
        endsClause(code) &&
        !(code === 46 && index + 1 < length && isWordCode(text.charCodeAt(index + 1)))
      ) {
        if (words.length > clauseStart) {
          clauses.push(words.length);
          questions.push(code === 63);
          clauseStart = words.length;
        } else if (code === 63 && questions.length > 0) {
          questions[questions.length - 1] = true;
        }
      }
      index += 1;
      continue;
    }
    const start = index;
    let special = false;
    let hash = hashSeed;
    let run = 0;
    let previous = -1;
    while (index < length) {
      const inner = text.charCodeAt(index);
      if (!isWordCode(inner)) break;
      if (inner === 39 || (inner >= 48 && inner <= 57)) special = true;
      run = inner === previous ? run + 1 : 1;
      // Letters repeated three times ("kiiill") take the slow path to be collapsed.
      if (run === 3) special = true;
      previous = inner;
      hash = hashStep(hash, inner);
      index += 1;
    }
    const firstCode = original.charCodeAt(start);
    // A name: capital then small letters ("Tom", not "SQL" or "I").
    const secondCode = original.charCodeAt(start + 1);
    const capital =
      words.length > clauseStart &&
      firstCode >= 65 &&
      firstCode <= 90 &&
      secondCode >= 97 &&
      secondCode <= 122;
    const lookup = special ? undefined : lexicon.lookupAt(text, start, index, hash);
    if (!special && !lookup?.expand) {
      if (capital) capitals.add(words.length);
      if (pendingBreak) breaks.add(words.length);
      pendingBreak = false;
      words.push(lookup ? lookup.word : "");
      found.push(lookup);
      continue;
    }
    const raw = text.slice(start, index);
    // Contractions, slang, digits: the slow path, for few words.
    spill.length = 0;
    let word = raw;
    if (word.charCodeAt(0) === 39 && word !== "'em") word = word.slice(1);
    if (word.charCodeAt(word.length - 1) === 39) word = word.slice(0, -1);
    if (word.length === 0) continue;
    normalizeWord(word, spill);
    for (let part = 0; part < spill.length; part += 1) {
      let written = spill[part]!;
      let lookup = lexicon.lookup(written);
      if (!lookup && written.length > 3 && hasTripleLetter(written)) {
        lookup = lexicon.lookup(collapse(written, 2)) ?? lexicon.lookup(collapse(written, 1));
        if (lookup) written = lookup.word;
      }
      if (part === 0 && capital && spill[0] !== "i") capitals.add(words.length);
      if (part === 0 && pendingBreak) breaks.add(words.length);
      words.push(written);
      found.push(lookup);
    }
    pendingBreak = false;
  }
  if (words.length > clauseStart || clauses.length === 1) {
    clauses.push(words.length);
    questions.push(false);
  }
  return { ...tag(words, found, clauses, lexicon), capitals, breaks, questions };
}

/** Looks up phrases, sums the tags and marks the clauses worth the rules' time. */
function tag(
  words: string[],
  found: Array<Lookup | undefined>,
  clauses: number[],
  lexicon: Lexicon,
): Omit<Analysis, "capitals" | "breaks" | "questions"> {
  const entries = new Array<Entry | undefined>(words.length);
  const spans = new Array<number>(words.length).fill(1);
  const totals = new Float64Array(tags.length);
  const clauseCount = clauses.length - 1;
  const triggered = new Array<boolean>(clauseCount).fill(false);
  let profanity = 0;
  for (let clause = 0; clause < clauseCount; clause += 1) {
    const end = clauses[clause + 1]!;
    for (let position = clauses[clause]!; position < end; position += 1) {
      const lookup = found[position];
      if (!lookup) continue;
      const at = position;
      let entry = lookup.entry;
      if (lookup.phrases) {
        const phrase = lexicon.longestPhrase(words, position, lookup);
        if (phrase > 0) {
          entry = lexicon.phraseEntry;
          spans[position] = phrase;
          if (lookup.entry?.profanity) profanity += 1;
          for (let inside = 1; inside < phrase; inside += 1) {
            spans[position + inside] = 0;
            if (found[position + inside]?.entry?.profanity) profanity += 1;
          }
          position += phrase - 1;
        } else if (entry?.profanity) profanity += 1;
      } else if (entry?.profanity) profanity += 1;
      if (!entry) continue;
      entries[at] = entry;
      const { ids, values } = entry;
      for (let index = 0; index < ids.length; index += 1) {
        const id = ids[index]!;
        totals[id] = totals[id]! + values[index]!;
      }
      if (entry.trigger) triggered[clause] = true;
    }
  }
  return { words, entries, spans, clauses, triggered, totals, profanity };
}
