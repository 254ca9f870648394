// The built-in classifier: a profanity lexicon (obscenity) and detectors for personal data, secrets
// and prompt-injection markers. It runs in process, needs no model, and returns metadata only (API-3).
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from "obscenity";
import type { Classification, Classifier } from "./classifier.ts";

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
 * Personal data is labelled but does not flag: an email address in a prompt is ordinary. Abuse,
 * leaked secrets and injection attempts are what a reviewer should see.
 */
const flagging: ReadonlySet<BuiltinCategory> = new Set([
  "profanity",
  "secrets/api_key",
  "secrets/private_key",
  "prompt_injection",
]);

/** Longer inputs are classified on their first part: detectors must stay cheap and linear. */
const maxScanned = 1_000_000;

const email = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const phones = [
  // +44 20 7946 0958, +1-202-555-0143, (202) 555-0143, 202.555.0143
  // Not part of a longer run of digit groups, which is a card or account number instead.
  /(?<![\w+]|\d[\s.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}(?![\s.-]?\d|\w)/,
  // +442079460958
  /(?<![\w+])\+\d{9,15}(?!\w)/,
];
const cardCandidate = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g;
const nationalIds = [
  // US social security number; the ranges the SSA never issues are excluded.
  /(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)/,
  // UK national insurance number.
  /\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIOQUV])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/,
];
const apiKeys = [
  /\bsk-[A-Za-z0-9_-]{20,}/, // OpenAI, Anthropic (sk-ant-), Custodian (sk-cust-) and look-alikes
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, // GitHub tokens
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/, // Slack tokens
  /\bAIza[0-9A-Za-z_-]{35}\b/, // Google API keys
];
const privateKey = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const injections = [
  /\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding)\s+(?:instructions|prompts?|rules|directions|messages)/i,
  /\b(?:reveal|print|show|repeat)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+prompt|hidden\s+instructions|initial\s+instructions)/i,
  /\byou\s+are\s+now\s+(?:DAN|in\s+developer\s+mode|jailbroken)\b/i,
  /<\|im_start\|>\s*system|\[\/?INST\]|<<SYS>>/,
];

/** The Luhn checksum every payment card number carries. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

function hasCardNumber(text: string): boolean {
  for (const match of text.matchAll(cardCandidate)) {
    const digits = match[0].replace(/[ -]/g, "");
    // A run of one repeated digit passes Luhn (0000...) but is no card.
    if (digits.length >= 13 && digits.length <= 19 && !/^(\d)\1+$/.test(digits) && luhnValid(digits)) {
      return true;
    }
  }
  return false;
}

export class BuiltinClassifier implements Classifier {
  readonly name = "builtin";
  readonly #profanity = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });

  async classify(input: string): Promise<Classification> {
    const text = input.length > maxScanned ? input.slice(0, maxScanned) : input;
    const profanityMatches = this.#profanity.getAllMatches(text).length;
    const found: Record<BuiltinCategory, boolean> = {
      profanity: profanityMatches > 0,
      "pii/email": email.test(text),
      "pii/phone": phones.some((pattern) => pattern.test(text)),
      "pii/payment_card": hasCardNumber(text),
      "pii/national_id": nationalIds.some((pattern) => pattern.test(text)),
      "secrets/api_key": apiKeys.some((pattern) => pattern.test(text)),
      "secrets/private_key": privateKey.test(text),
      prompt_injection: injections.some((pattern) => pattern.test(text)),
    };
    const scores: Record<string, number> = {};
    for (const category of builtinCategories) scores[category] = found[category] ? 1 : 0;
    // One rude word is weaker evidence of abuse than many.
    scores.profanity = profanityMatches === 0 ? 0 : Math.min(1, 0.5 + 0.1 * profanityMatches);
    return {
      classifier: this.name,
      flagged: builtinCategories.some((category) => found[category] && flagging.has(category)),
      categories: { ...found },
      scores,
    };
  }
}
