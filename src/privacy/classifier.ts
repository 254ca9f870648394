// The classifier contract: text in, metadata out (categories, scores, flagged), never the text itself (API-3).

/**
 * What a classifier says about one input. Only category names, scores and a flag: no excerpt, no
 * matched word, no offset, so the result can be stored and shown without holding business data.
 */
export interface Classification {
  /** Which classifier produced it, such as "builtin" or "model:llama-guard". */
  classifier: string;
  flagged: boolean;
  categories: Record<string, boolean>;
  /** 0 to 1 for every category named in `categories`. */
  scores: Record<string, number>;
}

export interface Classifier {
  /** A stable name, stored with each result. */
  readonly name: string;
  classify(text: string, options?: { signal?: AbortSignal }): Promise<Classification>;
}

/**
 * OpenAI's moderation categories, always present in a /v1/moderations answer so clients that read
 * them by name keep working; Custodian's own detectors add theirs beside them.
 */
export const openAICategories = [
  "harassment",
  "harassment/threatening",
  "hate",
  "hate/threatening",
  "illicit",
  "illicit/violent",
  "self-harm",
  "self-harm/intent",
  "self-harm/instructions",
  "sexual",
  "sexual/minors",
  "violence",
  "violence/graphic",
] as const;

/** Merge results from several classifiers: a category is on if any says so, at the highest score. */
export function mergeClassifications(classifier: string, results: Classification[]): Classification {
  // One result (the usual case: the built-in classifier alone) is already merged.
  if (results.length === 1) return { ...results[0]!, classifier };
  const merged: Classification = { classifier, flagged: false, categories: {}, scores: {} };
  for (const result of results) {
    merged.flagged ||= result.flagged;
    for (const [category, on] of Object.entries(result.categories)) {
      merged.categories[category] = (merged.categories[category] ?? false) || on;
    }
    for (const [category, score] of Object.entries(result.scores)) {
      merged.scores[category] = Math.max(merged.scores[category] ?? 0, score);
    }
  }
  return merged;
}
