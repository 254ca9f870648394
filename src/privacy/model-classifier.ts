// A classifier that asks a configured model (for example Llama Guard behind an OpenAI-compatible
// server) and reads its verdict: "safe", or "unsafe" with hazard codes such as "S1,S10" on the next line.
import type { LanguageModel } from "../inference/language-model.ts";
import type { Classification, Classifier } from "./classifier.ts";

/**
 * Llama Guard 3's hazard taxonomy (MLCommons), mapped onto OpenAI's category names where one fits
 * and onto Custodian's own names where none does.
 */
export const hazardCategories: Readonly<Record<string, readonly string[]>> = {
  S1: ["violence", "illicit/violent"],
  S2: ["illicit"],
  S3: ["sexual", "illicit"],
  S4: ["sexual/minors"],
  S5: ["defamation"],
  S6: ["specialized_advice"],
  S7: ["privacy"],
  S8: ["intellectual_property"],
  S9: ["illicit/violent", "weapons/indiscriminate"],
  S10: ["hate"],
  S11: ["self-harm"],
  S12: ["sexual"],
  S13: ["elections"],
  S14: ["code_interpreter_abuse"],
};

/** The model answered something that is not a verdict; the caller treats it as "no result". */
export class VerdictError extends Error {
  constructor(model: string) {
    // The model's answer is not quoted: a confused model may echo the input back.
    super(`The moderation model '${model}' did not answer with a safe/unsafe verdict.`);
    this.name = "VerdictError";
  }
}

export interface Verdict {
  safe: boolean;
  codes: string[];
}

/** Parse "safe" or "unsafe\nS1,S2" (whitespace and case forgiven). Returns null for anything else. */
export function parseVerdict(answer: string): Verdict | null {
  const lines = answer
    .trim()
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const head = lines[0]?.toLowerCase();
  if (head === "safe") return { safe: true, codes: [] };
  if (head !== "unsafe") return null;
  const codes = (lines[1] ?? "")
    .split(/[\s,]+/)
    .map((code) => code.toUpperCase())
    .filter((code) => /^S\d{1,2}$/.test(code));
  return { safe: false, codes };
}

export class ModelClassifier implements Classifier {
  readonly name: string;
  readonly #model: LanguageModel;

  constructor(model: LanguageModel) {
    this.#model = model;
    this.name = `model:${model.id}`;
  }

  async classify(text: string, options: { signal?: AbortSignal } = {}): Promise<Classification> {
    const result = await this.#model.generate(
      {
        model: this.#model.id,
        // Llama Guard's chat template turns the conversation into its classification prompt.
        messages: [{ role: "user", content: text }],
        temperature: 0,
        max_tokens: 32,
      },
      { signal: options.signal ?? new AbortController().signal },
    );
    const answer = result.choices[0]?.message.content;
    const verdict = typeof answer === "string" ? parseVerdict(answer) : null;
    if (!verdict) throw new VerdictError(this.#model.id);
    const categories: Record<string, boolean> = {};
    const scores: Record<string, number> = {};
    for (const names of Object.values(hazardCategories)) {
      for (const name of names) {
        categories[name] = false;
        scores[name] = 0;
      }
    }
    for (const code of verdict.codes) {
      for (const name of hazardCategories[code] ?? ["unsafe/other"]) {
        categories[name] = true;
        scores[name] = 1;
      }
    }
    // "unsafe" with no code we know still flags: the model judged it, the taxonomy just lacks a name.
    if (!verdict.safe && verdict.codes.length === 0) {
      categories["unsafe/other"] = true;
      scores["unsafe/other"] = 1;
    }
    return { classifier: this.name, flagged: !verdict.safe, categories, scores };
  }
}
