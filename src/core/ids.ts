// Identifiers: prefixed, random, URL-safe, so an id says what it names and reveals nothing.
import { randomBytes } from "node:crypto";

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A random base62 string of the given length, drawn without modulo bias. */
export function randomToken(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 248 && out.length < length) out += alphabet[byte % 62];
    }
  }
  return out;
}

export type IdPrefix = "org" | "proj" | "key" | "req";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(24)}`;
}
