// Words for keyword search: Unicode-aware (letters and digits of any script), case- and accent-folded
// ("Café" finds "cafe"), scripts written without spaces split into pairs of characters, with common
// English function words dropped and a light English stemmer, so "policies" finds "policy" and
// "renewed" finds "renewal"'s stem "renew". Other languages keep their whole words (folded only).
import { scanAsciiWords } from "./word-table.ts";

/** Function words too common to tell passages apart; kept short on purpose (no content words). */
const stopWords = new Set(
  (
    "a an and are as at be been being but by can could did do does doing for from had has have having he " +
    "her here hers him his how i if in into is it its itself me my of on or our ours she should so than " +
    "that the their theirs them then there these they this those to too us was we were what when where " +
    "which while who whom why will with would you your yours"
  ).split(" "),
);

const vowel = /[aeiouy]/;

/**
 * A light stemmer for English words (Porter's first step, in spirit): plurals, -ed and -ing, and a few
 * derivational endings that paraphrases swap most often. Short words and non-Latin words are left whole.
 */
export function stem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let base = word;
  if (base.endsWith("sses")) base = base.slice(0, -2);
  else if (base.endsWith("ies") && base.length > 4) base = `${base.slice(0, -3)}y`;
  else if (base.endsWith("s") && !base.endsWith("ss") && !base.endsWith("us") && !base.endsWith("is"))
    base = base.slice(0, -1);
  for (const ending of ["ingly", "edly", "ing", "ed"]) {
    const rest = base.slice(0, -ending.length);
    if (base.endsWith(ending) && rest.length >= 3 && vowel.test(rest)) {
      base = undouble(rest);
      break;
    }
  }
  for (const [ending, replacement] of derivational) {
    if (base.endsWith(ending) && base.length - ending.length >= 3) {
      base = base.slice(0, -ending.length) + replacement;
      break;
    }
  }
  // A final silent "e" and "y"/"i" alternate between forms ("approve"/"approval", "apply"/"applies").
  if (base.length > 3 && base.endsWith("e")) base = base.slice(0, -1);
  if (base.length > 3 && base.endsWith("y")) base = `${base.slice(0, -1)}i`;
  return base;
}

const derivational: ReadonlyArray<readonly [string, string]> = [
  ["ational", "ate"],
  ["ization", "ize"],
  ["isation", "ize"],
  ["iveness", "ive"],
  ["fulness", "ful"],
  ["ousness", "ous"],
  ["ement", "e"],
  ["ation", "ate"],
  ["ment", ""],
  ["ness", ""],
  ["ally", "al"],
  ["ity", ""],
  ["ise", "ize"],
  ["al", ""],
  ["ly", ""],
];

/** "stopp" → "stop", but "fall" and "miss" keep their doubled letter. */
function undouble(rest: string): string {
  const last = rest.at(-1);
  if (rest.length > 3 && last === rest.at(-2) && last !== undefined && !"lsz".includes(last))
    return rest.slice(0, -1);
  return rest;
}

/** Scripts written without spaces between words: searched by overlapping pairs of characters. */
const unspaced = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]+$/u;

// eslint-disable-next-line no-control-regex -- ASCII is the range from NUL to DEL
const asciiOnly = /^[\x00-\x7f]*$/;
const anyWords = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}]+)*/gu;
const plainWord = /^[a-z0-9]+$/;

export const isAscii = (text: string): boolean => asciiOnly.test(text);

/** A text's words before stemming: folded, in order. ASCII text skips Unicode normalisation. */
export function searchWords(text: string): string[] {
  if (isAscii(text)) {
    const words: string[] = [];
    scanAsciiWords(text, (start, end) => words.push(text.slice(start, end).toLowerCase()));
    return words;
  }
  return (
    text
      .normalize("NFKD")
      // Accents of Latin, Greek and Cyrillic letters (marks of other scripts are part of their words).
      .replace(/[\u0300-\u036f]/gu, "")
      .normalize("NFC")
      .toLowerCase()
      .replace(/ß/gu, "ss")
      .match(anyWords) ?? []
  );
}

/** The tokens one word of `searchWords` stands for: none (a function word), its stem, or character pairs. */
export function wordTokens(word: string): string[] {
  if (plainWord.test(word)) return stopWords.has(word) ? [] : [stem(word)];
  const tokens: string[] = [];
  for (const piece of splitScripts(word)) {
    if (unspaced.test(piece)) tokens.push(...characterPairs(piece));
    else {
      const folded = piece.replace(/['’]s$/u, "").replace(/['’]/gu, "");
      if (folded !== "" && !stopWords.has(folded)) tokens.push(stem(folded));
    }
  }
  return tokens;
}

/** The searchable words of a text, in order (duplicates kept: term frequency counts them). */
export function searchTokens(text: string): string[] {
  return searchWords(text).flatMap(wordTokens);
}

/** "価格表price" → ["価格表", "price"]: a run changes how it is split where its script does. */
function splitScripts(run: string): string[] {
  return (
    run.match(
      /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]+|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]+/gu,
    ) ?? []
  );
}

function characterPairs(piece: string): string[] {
  const characters = [...piece];
  if (characters.length === 1) return characters;
  const pairs: string[] = [];
  for (let index = 0; index + 1 < characters.length; index++)
    pairs.push(characters[index]! + characters[index + 1]!);
  return pairs;
}
