// Word normalisation shared by text and lexicon: contractions split, slang written out, digits read as
// letters, and the inflections of verbs and nouns.

/** Spoken forms written out, so that the rules see "going to" for "gonna". */
export const expansions: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries({
    gonna: ["going", "to"],
    gon: ["going", "to"],
    wanna: ["want", "to"],
    gotta: ["got", "to"],
    imma: ["i", "am", "going", "to"],
    ima: ["i", "am", "going", "to"],
    im: ["i", "am"],
    ive: ["i", "have"],
    youre: ["you", "are"],

    u: ["you"],
    ya: ["you"],
    yall: ["you", "all"],
    r: ["are"],
    dont: ["do", "not"],
    doesnt: ["does", "not"],
    didnt: ["did", "not"],
    cant: ["can", "not"],
    wont: ["will", "not"],
    wouldnt: ["would", "not"],
    shouldnt: ["should", "not"],
    isnt: ["is", "not"],
    arent: ["are", "not"],
    lets: ["let", "us"],
    em: ["them"],
    cuz: ["because"],
    pls: ["please"],
    plz: ["please"],
    thx: ["thanks"],
    kys: ["kys"],
  }),
);

const subjectIs = new Set([
  "he",
  "she",
  "it",
  "that",
  "what",
  "there",
  "who",
  "where",
  "here",
  "how",
  "this",
]);
const leet: Readonly<Record<string, string>> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "8": "b",
  "9": "g",
};

/** Splits a contraction into its words ("i'll" -> "i", "will"; "neighbour's" -> "neighbour", "'s"). */
function uncontract(word: string, out: string[]): void {
  const apostrophe = word.indexOf("'");
  const head = word.slice(0, apostrophe);
  const tail = word.slice(apostrophe + 1);
  if (word === "won't") out.push("will", "not");
  else if (word === "can't") out.push("can", "not");
  else if (word === "'em") out.push("them");
  else if (tail === "t" && head.endsWith("n")) out.push(head.slice(0, -1), "not");
  else if (tail === "ll") out.push(head, "will");
  else if (tail === "re") out.push(head, "are");
  else if (tail === "ve") out.push(head, "have");
  else if (tail === "m") out.push(head, "am");
  else if (tail === "d") out.push(head, "would");
  else if (tail === "s") {
    if (head === "let") out.push("let", "us");
    else if (subjectIs.has(head)) out.push(head, "is");
    else if (head.length === 0) out.push("'s");
    else out.push(head, "'s");
  } else if (head.length > 0) out.push(head);
  else if (tail.length > 0) out.push(tail);
}

/**
 * Appends the normalised words of one raw, lower-case word: contractions split, slang written out,
 * digits used for letters read as letters ("k1ll"), an age written "12yo" kept as "12 year old".
 */
export function normalizeWord(word: string, out: string[]): void {
  if (word.includes("'")) {
    uncontract(word, out);
    return;
  }
  const expanded = word.length <= 6 ? expansions.get(word) : undefined;
  if (expanded) {
    for (const part of expanded) out.push(part);
    return;
  }
  const first = word.charCodeAt(0);
  const last = word.charCodeAt(word.length - 1);
  const startsWithDigit = first >= 48 && first <= 57;
  const endsWithDigit = last >= 48 && last <= 57;
  if (startsWithDigit || endsWithDigit || /\d/.test(word)) {
    const age = /^(\d{1,2})(?:yo|yr|yrs|y)$/.exec(word);
    if (age) out.push(age[1]!, "year", "old");
    else if (/^\d+$/.test(word) || !/[a-z]/.test(word)) out.push(word);
    else out.push(word.replace(/\d/g, (digit) => leet[digit] ?? digit));
    return;
  }
  out.push(word);
}

/** Regular inflections of a verb: "stab" -> stab, stabs, stabbed, stabbing. Over-generation is harmless. */
export function verbForms(base: string): string[] {
  const forms = [base];
  const consonantBeforeY = /[^aeiou]y$/.test(base);
  if (base.endsWith("ie")) forms.push(`${base}s`, `${base}d`, `${base.slice(0, -2)}ying`);
  else if (base.endsWith("e")) forms.push(`${base}s`, `${base}d`, `${base.slice(0, -1)}ing`);
  else if (consonantBeforeY) forms.push(`${base.slice(0, -1)}ies`, `${base.slice(0, -1)}ied`, `${base}ing`);
  else if (/(?:s|sh|ch|x|z)$/.test(base)) forms.push(`${base}es`, `${base}ed`, `${base}ing`);
  else if (/^[^aeiou]*[aeiou][^aeiouwxy]$/.test(base)) {
    const doubled = base + base.slice(-1);
    forms.push(`${base}s`, `${doubled}ed`, `${doubled}ing`);
  } else forms.push(`${base}s`, `${base}ed`, `${base}ing`);
  return forms;
}

/** Singular and plural of a noun. */
export function nounForms(singular: string): string[] {
  if (/[^aeiou]y$/.test(singular)) return [singular, `${singular.slice(0, -1)}ies`];
  if (/(?:s|sh|ch|x|z)$/.test(singular)) return [singular, `${singular}es`];
  return [singular, `${singular}s`];
}
