// Detectors for personal data, secrets and prompt-injection markers: each linear in the text, with a
// cheap literal check before any regular expression runs.

const localPart = new Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-");
/** The domain after an "@", matched from that position only (sticky), so each "@" costs its own length. */
const emailDomain = /[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/y;
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
/** Injection phrasings; each needs one of the words the lexicon tags `injection`. */
const wordPatterns = [
  /\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding)\s+(?:instructions|prompts?|rules|directions|messages)/i,
  /\b(?:reveal|print|show|repeat)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+prompt|hidden\s+instructions|initial\s+instructions)/i,
  /\byou\s+are\s+now\s+(?:DAN|in\s+developer\s+mode|jailbroken)\b/i,
];
/** Chat-template markers smuggled into a message. */
const templateMarkers = /<\|im_start\|>\s*system|\[\/?INST\]|<<SYS>>/;

export function hasEmail(text: string): boolean {
  for (let at = text.indexOf("@"); at > 0; at = text.indexOf("@", at + 1)) {
    if (!localPart.has(text[at - 1]!)) continue;
    emailDomain.lastIndex = at + 1;
    if (emailDomain.test(text)) return true;
  }
  return false;
}

export function hasPhone(text: string): boolean {
  return phones.some((pattern) => pattern.test(text));
}

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

export function hasCardNumber(text: string): boolean {
  for (const match of text.matchAll(cardCandidate)) {
    const digits = match[0].replace(/[ -]/g, "");
    // A run of one repeated digit passes Luhn (0000...) but is no card.
    if (digits.length >= 13 && digits.length <= 19 && !/^(\d)\1+$/.test(digits) && luhnValid(digits)) {
      return true;
    }
  }
  return false;
}

export function hasNationalId(text: string): boolean {
  return nationalIds.some((pattern) => pattern.test(text));
}

/** A key's prefix, found with native substring search before any pattern runs. */
function mayHoldApiKey(text: string): boolean {
  return (
    text.includes("sk-") ||
    text.includes("AKIA") ||
    text.includes("xox") ||
    text.includes("AIza") ||
    (text.includes("_") && /gh[pousr]_/.test(text))
  );
}

export function hasApiKey(text: string): boolean {
  return mayHoldApiKey(text) && apiKeys.some((pattern) => pattern.test(text));
}

export function hasPrivateKey(text: string): boolean {
  return text.includes("PRIVATE KEY-----") && privateKey.test(text);
}

/**
 * `wordsSeen` says whether the text holds a word the first patterns need (ignore, reveal, ...), as
 * the harm tokenizer found in its one pass; chat-template markers are looked for directly.
 */
export function hasPromptInjection(text: string, wordsSeen: boolean): boolean {
  if (wordsSeen && wordPatterns.some((pattern) => pattern.test(text))) return true;
  return (text.includes("<") || text.includes("[")) && templateMarkers.test(text);
}
