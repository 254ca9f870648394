// Scores of the built-in harm classifier under OpenAI's moderation category names.
import { openAICategories } from "./classifier.ts";

export type HarmCategory = (typeof openAICategories)[number];
export type HarmScores = Record<HarmCategory, number>;

/** A subcategory implies its parent, as in OpenAI's answers: "harassment/threatening" is harassment. */
export const parentCategory: Partial<Record<HarmCategory, HarmCategory>> = {
  "harassment/threatening": "harassment",
  "hate/threatening": "hate",
  "illicit/violent": "illicit",
  "self-harm/intent": "self-harm",
  "self-harm/instructions": "self-harm",
  "sexual/minors": "sexual",
  "violence/graphic": "violence",
};

export function emptyScores(): HarmScores {
  const scores = {} as HarmScores;
  for (const category of openAICategories) scores[category] = 0;
  return scores;
}

/** Raises a category's score to `value` (evidence from several rules takes the strongest). */
export function raise(scores: HarmScores, category: HarmCategory, value: number): void {
  if (value > scores[category]) scores[category] = Math.min(0.99, Math.round(value * 1000) / 1000);
}

/** Maps unbounded evidence onto 0..1, reaching 0.5 at `half`. */
export function squash(evidence: number, half: number): number {
  return evidence <= 0 ? 0 : evidence / (evidence + half);
}
