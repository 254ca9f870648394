// The built-in classifier: OpenAI's moderation categories from the harm lexicon and rules, beside
// Custodian's detectors for profanity, personal data, secrets and prompt-injection markers. It runs in
// process, needs no model, is linear in the text, and returns metadata only (API-3).
import {
  hasApiKey,
  hasCardNumber,
  hasEmail,
  hasNationalId,
  hasPhone,
  hasPrivateKey,
  hasPromptInjection,
} from "./builtin-classifier-detectors.ts";
import { openAICategories, type Classification, type Classifier } from "./classifier.ts";
import { classifyHarm, flagThreshold, harmLexicon } from "./harm-classifier.ts";

export { luhnValid } from "./builtin-classifier-detectors.ts";

/** Custodian's own categories, beside OpenAI's. */
export const builtinCategories = [
  "profanity",
  "pii/email",
  "pii/phone",
  "pii/payment_card",
  "pii/national_id",
  "secrets/api_key",
  "secrets/private_key",
  "prompt_injection",
] as const;

export type BuiltinCategory = (typeof builtinCategories)[number];

/**
 * Personal data is labelled but does not flag: an email address in a prompt is ordinary. Leaked
 * secrets and injection attempts are what a reviewer should see, as is harm in OpenAI's categories.
 */
const flagging: ReadonlySet<BuiltinCategory> = new Set([
  "secrets/api_key",
  "secrets/private_key",
  "prompt_injection",
]);

/** Longer inputs are classified on their first part: detectors must stay cheap and linear. */
const maxScanned = 1_000_000;

export class BuiltinClassifier implements Classifier {
  readonly name = "builtin";

  constructor() {
    // Build the lexicon now (about 0.1 s), at start, not on the first request.
    harmLexicon();
  }

  async classify(input: string): Promise<Classification> {
    return this.classifySync(input);
  }

  classifySync(input: string): Classification {
    const text = input.length > maxScanned ? input.slice(0, maxScanned) : input;
    const harm = classifyHarm(text);
    const found: Record<BuiltinCategory, boolean> = {
      profanity: harm.profanity > 0,
      "pii/email": hasEmail(text),
      "pii/phone": hasPhone(text),
      "pii/payment_card": hasCardNumber(text),
      "pii/national_id": hasNationalId(text),
      "secrets/api_key": hasApiKey(text),
      "secrets/private_key": hasPrivateKey(text),
      prompt_injection: hasPromptInjection(text, harm.injectionWords),
    };
    const categories: Record<string, boolean> = {};
    const scores: Record<string, number> = {};
    let flagged = false;
    for (const category of openAICategories) {
      const score = harm.scores[category];
      categories[category] = score >= flagThreshold;
      scores[category] = score;
      flagged ||= categories[category];
    }
    for (const category of builtinCategories) {
      categories[category] = found[category];
      scores[category] = found[category] ? 1 : 0;
      flagged ||= found[category] && flagging.has(category);
    }
    // One rude word is weaker evidence of abuse than many; a text that is mostly profanity is abuse
    // of its reader, while a curse in an ordinary sentence is not.
    scores.profanity = harm.profanity === 0 ? 0 : Math.min(1, 0.5 + 0.1 * harm.profanity);
    flagged ||= harm.profanity > 0 && harm.profanity * 3 >= harm.words;
    return { classifier: this.name, flagged, categories, scores };
  }
}
