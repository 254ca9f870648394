// A file's `expires_after`, as OpenAI's upload takes it in multipart form fields: the anchor (only
// `created_at`) and the seconds after it. Read before anything is stored, so a bad value stores nothing.
// Errors name the field as `expires_after.anchor` and `expires_after.seconds`, as a batch's
// `output_expires_after` does.
import { errors } from "../core/errors.ts";

/** The range OpenAI accepts: one hour to thirty days. */
export const fileExpiryLimits = { minSeconds: 3_600, maxSeconds: 2_592_000 } as const;

const anchorField = "expires_after[anchor]";
const secondsField = "expires_after[seconds]";

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
  if (anchor !== "created_at") {
    throw errors.invalidRequest("'expires_after.anchor' must be 'created_at'.", "expires_after.anchor");
  }
  const value = seconds !== undefined && /^\d{1,10}$/.test(seconds) ? Number(seconds) : Number.NaN;
  if (!(value >= fileExpiryLimits.minSeconds && value <= fileExpiryLimits.maxSeconds)) {
    throw errors.invalidRequest(
      `'expires_after.seconds' must be a whole number from ${fileExpiryLimits.minSeconds} to ${fileExpiryLimits.maxSeconds}.`,
      "expires_after.seconds",
    );
  }
  return value;
}
