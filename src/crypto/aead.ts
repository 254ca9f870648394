// AES-256-GCM sealing (SEC-1) with a versioned ciphertext format and associated data that binds each
// ciphertext to where it lives (table, row, organisation, key version).
import { createCipheriv, createDecipheriv, type KeyObject } from "node:crypto";
import { publicRandomBytes } from "../core/random.ts";
import { CustodianError } from "../core/errors.ts";

/** Format 1: [format:1][key version:4 BE][nonce:12][ciphertext][tag:16]. */
const format = 1;
const headerLength = 1 + 4 + 12;
const tagLength = 16;

export interface Binding {
  table: string;
  row: string;
  organization: string;
}

export class DecryptionError extends CustodianError {
  constructor() {
    // Deliberately says nothing about which check failed or what the data was.
    super("Stored data could not be decrypted.", {
      status: 500,
      type: "server_error",
      code: "decryption_failed",
    });
    this.name = "DecryptionError";
  }
}

function associatedData(binding: Binding, keyVersion: number): Buffer {
  // Length-prefixed fields, so no two different bindings can encode to the same bytes.
  const parts = [`f${format}`, binding.table, binding.row, binding.organization, `v${keyVersion}`];
  let size = 0;
  for (const part of parts) size += 4 + Buffer.byteLength(part, "utf8");
  const data = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) {
    const length = data.write(part, at + 4, "utf8");
    data.writeUInt32BE(length, at);
    at += 4 + length;
  }
  return data;
}

/**
 * Seal one message. A caller that seals many messages under one key passes it as a `KeyObject`: with a
 * raw key, Node checks and imports it again on every call (about 20 µs, more than the sealing of a
 * small record).
 */
export function seal(
  key: Buffer | KeyObject,
  keyVersion: number,
  binding: Binding,
  plaintext: Buffer,
): Buffer {
  const nonce = publicRandomBytes(12);
  const header = Buffer.alloc(headerLength);
  header.writeUInt8(format, 0);
  header.writeUInt32BE(keyVersion, 1);
  nonce.copy(header, 5);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(associatedData(binding, keyVersion));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/**
 * `seal` for large plaintexts given in pieces: the same format, returned as pieces, so no byte of a
 * megabyte chunk is copied on the way (the caller writes the pieces one after another). A caller that
 * seals many messages under one key passes it as a `KeyObject`: a raw key is imported again on every
 * call, which costs several times what setting up the cipher does.
 */
export function sealPieces(
  key: Buffer | KeyObject,
  keyVersion: number,
  binding: Binding,
  plaintext: readonly Buffer[],
): Buffer[] {
  const nonce = publicRandomBytes(12);
  const header = Buffer.alloc(headerLength);
  header.writeUInt8(format, 0);
  header.writeUInt32BE(keyVersion, 1);
  nonce.copy(header, 5);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(associatedData(binding, keyVersion));
  const body = plaintext.map((piece) => cipher.update(piece));
  const final = cipher.final();
  return [header, ...body, ...(final.length > 0 ? [final] : []), cipher.getAuthTag()];
}

/** Bytes `seal` adds to a plaintext: the header and the tag. */
export const sealOverhead = headerLength + tagLength;

/** The key version a ciphertext claims; opening it checks the claim. */
export function keyVersionOf(sealed: Buffer): number {
  if (sealed.length < headerLength + tagLength || sealed.readUInt8(0) !== format) throw new DecryptionError();
  return sealed.readUInt32BE(1);
}

export function open(key: Buffer | KeyObject, binding: Binding, sealed: Buffer): Buffer {
  const keyVersion = keyVersionOf(sealed);
  const nonce = sealed.subarray(5, headerLength);
  const tag = sealed.subarray(sealed.length - tagLength);
  const body = sealed.subarray(headerLength, sealed.length - tagLength);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(associatedData(binding, keyVersion));
    decipher.setAuthTag(tag);
    const plain = decipher.update(body);
    // GCM's final() checks the tag and returns no bytes: the plaintext goes out as deciphered, not
    // copied into a second buffer (a backup restore opens a gigabyte in 256 KiB frames this way).
    const final = decipher.final();
    return final.length === 0 ? plain : Buffer.concat([plain, final]);
  } catch {
    throw new DecryptionError();
  }
}
