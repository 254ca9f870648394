// The built-in harm classifier: scores text under OpenAI's moderation categories with a lexicon and
// rules about who does what to whom with which intent. Linear in the text, no model, no downloads.
import { Clause, triggeredClauses } from "./harm-clause.ts";
import { Lexicon } from "./harm-lexicon.ts";
import { T } from "./harm-tags.ts";
import {
  scoreGraphic,
  scoreHarassment,
  scoreHate,
  scoreIllicit,
  scoreSelfHarm,
  scoreSexual,
} from "./harm-rules.ts";
import { emptyScores, parentCategory, raise, type HarmCategory, type HarmScores } from "./harm-scores.ts";
import { tokenize } from "./harm-tokenizer.ts";
import { scoreViolence, type TextContext } from "./harm-violence.ts";
import { addAbuse } from "./harm-words-abuse.ts";
import { addCrime, addSelfHarm } from "./harm-words-crime.ts";
import { addModality, addPeople } from "./harm-words-people.ts";
import { addViolence } from "./harm-words-violence.ts";

const quotedCategories: readonly HarmCategory[] = [
  "harassment",
  "harassment/threatening",
  "hate",
  "hate/threatening",
  "violence",
];

const jokingCategories: readonly HarmCategory[] = [
  "harassment/threatening",
  "violence",
  "self-harm",
  "self-harm/intent",
];

/** A category is flagged from this score up. */
export const flagThreshold = 0.5;

export interface HarmResult {
  scores: HarmScores;
  /** Profane words, and all words: a text that is mostly profanity is abuse of its reader. */
  profanity: number;
  words: number;
  /** The text holds a word a prompt-injection pattern needs, so those patterns are worth running. */
  injectionWords: boolean;
}

let shared: Lexicon | null = null;

/** The lexicon, built once on first use (a few milliseconds). */
export function harmLexicon(): Lexicon {
  if (!shared) {
    const lexicon = new Lexicon();
    addPeople(lexicon);
    addModality(lexicon);
    addViolence(lexicon);
    addCrime(lexicon);
    addSelfHarm(lexicon);
    addAbuse(lexicon);
    lexicon.words("ignore disregard forget reveal print show repeat dan developer jailbroken", {
      injection: 1,
    });
    shared = lexicon.compile();
  }
  return shared;
}

export function classifyHarm(input: string): HarmResult {
  const lexicon = harmLexicon();
  const analysis = tokenize(input, lexicon);
  const scores = emptyScores();
  const text = new Clause(analysis, 0, analysis.words.length, false, analysis.totals, 0);
  const context: TextContext = {
    animal: text.total(T.animal) > 0,
    game: text.total(T.game) > 0,
    report: text.total(T.report) > 0,
  };
  // Most clauses of ordinary text hold no word that can make them harmful: they are skipped whole.
  for (const clause of triggeredClauses(analysis)) {
    scoreViolence(clause, context, scores);
    scoreIllicit(clause, scores);
    scoreSelfHarm(clause, text, scores);
    scoreHarassment(clause, scores);
    scoreHate(clause, scores);
  }
  scoreSexual(text, scores);
  scoreGraphic(text, scores);
  // Words quoted to be translated or explained are not said to anyone; a joke ("lol") is weaker.
  if (text.total(T.quote) > 0) {
    for (const category of quotedCategories) scores[category] *= 0.5;
  }
  if (text.total(T.joke) > 0) {
    for (const category of jokingCategories) scores[category] *= 0.5;
  }
  for (const [child, parent] of Object.entries(parentCategory) as Array<[HarmCategory, HarmCategory]>) {
    raise(scores, parent, scores[child]);
  }
  return {
    scores,
    profanity: analysis.profanity,
    words: analysis.words.length,
    injectionWords: text.total(T.injection) > 0,
  };
}
