// When a file expires, as OpenAI takes it: `expires_after` of an upload (multipart form fields) and a
// batch's `output_expires_after` (JSON), both an anchor (only `created_at`) and the seconds after it,
// from one hour to thirty days. Read before anything is stored, so a bad value stores nothing; errors
// name the field as `<param>.anchor` and `<param>.seconds`.
import { errors } from "../core/errors.ts";

/** The range OpenAI accepts: one hour to thirty days. */
export const fileExpiryLimits = { minSeconds: 3_600, maxSeconds: 2_592_000 } as const;

const anchorField = "expires_after[anchor]";
const secondsField = "expires_after[seconds]";

/** The seconds of an expiry given as `anchor` and `seconds` (a number, or digits in a form field). */
export function expirySeconds(anchor: unknown, seconds: unknown, param: string): number {
  if (anchor !== "created_at")
    throw errors.invalidRequest(`'${param}.anchor' must be 'created_at'.`, `${param}.anchor`);
  const value =
    typeof seconds === "string" && /^\d{1,10}$/.test(seconds)
      ? Number(seconds)
      : Number.isInteger(seconds)
        ? (seconds as number)
        : Number.NaN;
  if (!(value >= fileExpiryLimits.minSeconds && value <= fileExpiryLimits.maxSeconds))
    throw errors.invalidRequest(
      `'${param}.seconds' must be a whole number from ${fileExpiryLimits.minSeconds} to ${fileExpiryLimits.maxSeconds}.`,
      `${param}.seconds`,
    );
  return value;
}

/**
 * Seconds after its creation that an upload expires, or null when the form sets no expiry. Any other
 * `expires_after` field is refused rather than ignored, so a client never believes an expiry is set
 * that is not.
 */
export function parseFileExpiry(fields: Readonly<Record<string, string>>): number | null {
  const stray = Object.keys(fields).find(
    (name) => name.startsWith("expires_after") && name !== anchorField && name !== secondsField,
  );
  if (stray !== undefined) {
    throw errors.invalidRequest(
      `Unknown parameter '${stray}': give '${anchorField}' and '${secondsField}'.`,
      "expires_after",
    );
  }
  const anchor = fields[anchorField];
  const seconds = fields[secondsField];
  if (anchor === undefined && seconds === undefined) return null;
  return expirySeconds(anchor, seconds, "expires_after");
}
