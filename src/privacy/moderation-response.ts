// The body of a /v1/moderations answer in OpenAI's shape, built from classifier metadata alone.
import { publicToken } from "../core/ids.ts";
import { openAICategories, type Classification } from "./classifier.ts";

export interface ModerationResult {
  flagged: boolean;
  categories: Record<string, boolean>;
  category_scores: Record<string, number>;
  category_applied_input_types: Record<string, string[]>;
}

export interface ModerationResponse {
  id: string;
  model: string;
  results: ModerationResult[];
}

/**
 * OpenAI's categories come first and are always there, so clients that read them by name keep
 * working; the classifier's own (personal data, secrets) follow. Every category was scored on the
 * text, so each applies to the input type "text", as in OpenAI's answers for text input.
 */
export function moderationResult(result: Classification): ModerationResult {
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  const applied: Record<string, string[]> = {};
  for (const category of openAICategories) {
    categories[category] = false;
    scores[category] = 0;
  }
  for (const [category, on] of Object.entries(result.categories)) {
    categories[category] = on;
    scores[category] = result.scores[category] ?? (on ? 1 : 0);
  }
  for (const category of Object.keys(categories)) applied[category] = ["text"];
  return {
    flagged: result.flagged,
    categories,
    category_scores: scores,
    category_applied_input_types: applied,
  };
}

/** `model` is the name the client asked for (or the built-in classifier's when it named none). */
export function moderationResponse(model: string, results: Classification[]): ModerationResponse {
  return { id: `modr-${publicToken(24)}`, model, results: results.map(moderationResult) };
}
