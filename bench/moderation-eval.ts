// Reads the moderation evaluation set (bench/moderation/*.jsonl) and scores a classifier on it:
// precision and recall of flagged versus not flagged, and of each category.
import { readFileSync } from "node:fs";
import { openAICategories, type Classification } from "../src/privacy/classifier.ts";
import { parentCategory, type HarmCategory } from "../src/privacy/harm-scores.ts";

export interface Example {
  text: string;
  /** The most specific categories; empty when the text must not be flagged. */
  categories: HarmCategory[];
  split: "tuning" | "dev" | "holdout" | "unseen";
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

const known = new Set<string>(openAICategories);

export function loadExamples(split: Example["split"]): Example[] {
  const path = new URL(`./moderation/${split}.jsonl`, import.meta.url);
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line, index) => {
      const row = JSON.parse(line) as { text?: unknown; categories?: unknown };
      const categories = row.categories;
      if (
        typeof row.text !== "string" ||
        !Array.isArray(categories) ||
        !categories.every((category) => typeof category === "string" && known.has(category))
      ) {
        throw new Error(`bench/moderation/${split}.jsonl line ${index + 1} is not {text, categories}`);
      }
      return { text: row.text, categories: categories as HarmCategory[], split };
    });
}

/** A label names its most specific categories; the parents they imply are added here. */
export function withParents(categories: readonly HarmCategory[]): Set<HarmCategory> {
  const all = new Set(categories);
  for (const category of categories) {
    const parent = parentCategory[category];
    if (parent) all.add(parent);
  }
  return all;
}

function count(counts: Counts, expected: boolean, predicted: boolean): void {
  if (expected && predicted) counts.tp += 1;
  else if (predicted) counts.fp += 1;
  else if (expected) counts.fn += 1;
  else counts.tn += 1;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 1000) / 1000;
}

export function summary(counts: Counts) {
  return {
    precision: ratio(counts.tp, counts.tp + counts.fp),
    recall: ratio(counts.tp, counts.tp + counts.fn),
    ...counts,
  };
}

export interface Evaluation {
  flagged: Counts;
  categories: Record<HarmCategory, Counts>;
  /** Texts classified wrongly as flagged or not, for BENCH_MODERATION_ERRORS. */
  errors: Array<{ text: string; expected: string[]; predicted: string[] }>;
}

export function evaluate(
  examples: readonly Example[],
  classify: (text: string) => Classification,
): Evaluation {
  const flagged: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const categories = {} as Record<HarmCategory, Counts>;
  for (const category of openAICategories) categories[category] = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const errors: Evaluation["errors"] = [];
  for (const example of examples) {
    const result = classify(example.text);
    const expected = withParents(example.categories);
    const predicted = openAICategories.filter((category) => result.categories[category] === true);
    count(flagged, expected.size > 0, result.flagged);
    for (const category of openAICategories) {
      count(categories[category], expected.has(category), result.categories[category] === true);
    }
    const wrongCategories =
      predicted.some((category) => !expected.has(category)) ||
      [...expected].some((category) => !predicted.includes(category));
    if (expected.size > 0 !== result.flagged || wrongCategories) {
      errors.push({ text: example.text, expected: [...expected], predicted });
    }
  }
  return { flagged, categories, errors };
}
