// Identifiers: prefixed, random, URL-safe, so an id says what it names and reveals nothing (those of
// rows written at request rate reveal when they were made, which their rows' own timestamps hold).
import { randomBytes } from "node:crypto";
import { publicRandomBytes } from "./random.ts";

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A random base62 string of the given length from `draw`, without modulo bias. */
function base62(length: number, draw: (size: number) => Buffer): string {
  let out = "";
  while (out.length < length) {
    for (const byte of draw(length)) {
      if (byte < 248 && out.length < length) out += alphabet[byte % 62];
    }
  }
  return out;
}

/** A random base62 string of the given length, fit for secrets (tokens, passwords). */
export function randomToken(length: number): string {
  return base62(length, randomBytes);
}

export type IdPrefix = "org" | "proj" | "key";

/** A random base62 string for a public identifier: drawn from the pooled generator, as it is no secret. */
export function publicToken(length: number): string {
  return base62(length, publicRandomBytes);
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${publicToken(24)}`;
}

/** Base-36 digits of the time prefix: milliseconds since 1970 fit in 9 of them until the year 5188. */
const timeDigits = 9;

/**
 * An id for rows written at request rate (requests and their usage events, retention records,
 * classifications): the creation time in milliseconds, then 16 random characters (95 bits). Random keys
 * send each insert to a page anywhere in the primary-key index, so once the index outgrows the
 * database's buffers most inserts read and write a page of their own; keys that grow with time land
 * at the index's right edge. Lower-case base 36 sorts the same under C and linguistic collations.
 */
export function timeOrderedId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(timeDigits, "0")}${publicToken(16)}`;
}
