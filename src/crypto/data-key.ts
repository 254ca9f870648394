// Per-object data keys (one per conversation, one per file): random keys wrapped by the organisation's
// key, so destroying the wrapped key makes that object's ciphertext unreadable at once.
import { randomBytes } from "node:crypto";
import { open, seal, type Binding } from "./aead.ts";
import type { Keyring, Place } from "./keyring.ts";

export interface DataKey {
  key: Buffer;
  /** What to store: the key sealed by the organisation's current key version. */
  wrapped: Buffer;
}

export async function newDataKey(keyring: Keyring, organization: string, place: Place): Promise<DataKey> {
  const key = randomBytes(32);
  return { key, wrapped: await keyring.seal(organization, place, key) };
}

export async function openDataKey(
  keyring: Keyring,
  organization: string,
  place: Place,
  wrapped: Buffer,
): Promise<Buffer> {
  return keyring.open(organization, place, wrapped);
}

/** Seal content under a data key (key version 0: data keys are not versioned, they are replaced). */
export function sealWithDataKey(key: Buffer, binding: Binding, plaintext: Buffer | string): Buffer {
  return seal(key, 0, binding, typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext);
}

export function openWithDataKey(key: Buffer, binding: Binding, sealed: Buffer): Buffer {
  return open(key, binding, sealed);
}
