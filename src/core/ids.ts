// Identifiers: prefixed, random, URL-safe, so an id says what it names and reveals nothing.
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

export type IdPrefix = "org" | "proj" | "key" | "req";

/** A random base62 string for a public identifier: drawn from the pooled generator, as it is no secret. */
export function publicToken(length: number): string {
  return base62(length, publicRandomBytes);
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${publicToken(24)}`;
}
