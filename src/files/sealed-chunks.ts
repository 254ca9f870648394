// Streaming encryption of large objects under a data key: AES-256-GCM chunk by chunk, each chunk
// bound to its position and to whether it is the last, so chunks cannot be reordered, dropped or cut off.
import { createSecretKey, type KeyObject } from "node:crypto";
import { DecryptionError, sealOverhead, sealPieces, type Binding } from "../crypto/aead.ts";
import { openWithDataKey } from "../crypto/data-key.ts";

/** Plaintext bytes per chunk: small enough to stream weights of any size, large enough to cost little. */
const chunkBytes = 1 << 20;
/** Each record: [sealed length:4 BE][sealed chunk]. A sealed chunk is at most chunkBytes + 33 bytes. */
const maxSealedBytes = chunkBytes + 64;

function chunkBinding(binding: Binding, index: number, last: boolean): Binding {
  return { ...binding, row: `${binding.row}#${index}${last ? "$" : ""}` };
}

/** One record as pieces: its length prefix, then the sealed chunk, encrypted piece by piece. */
function record(
  key: KeyObject,
  binding: Binding,
  index: number,
  last: boolean,
  plaintext: readonly Buffer[],
): Buffer[] {
  const bytes = plaintext.reduce((total, piece) => total + piece.length, 0);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes + sealOverhead);
  // Data keys are not versioned (version 0), exactly as `sealWithDataKey` seals.
  return [length, ...sealPieces(key, 0, chunkBinding(binding, index, last), plaintext)];
}

/**
 * One sealed record as the pieces it is made of, to be written one after another: its length prefix,
 * the header, the ciphertext of each incoming piece, the tag. Joined, they are exactly the record.
 */
export type SealedRecord = readonly Buffer[];

/**
 * Seals `source` into records, one `SealedRecord` each; always at least one (an empty object is one
 * empty last chunk). Incoming pieces are held by reference and each is encrypted into its own buffer;
 * the record is handed on as those buffers, never joined: joining copied every sealed megabyte once
 * more and cost two thirds as much CPU as encrypting it. A blob store writes a record with one `writev`.
 */
export async function* sealChunks(
  key: Buffer,
  binding: Binding,
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
): AsyncGenerator<SealedRecord> {
  // Imported once: handing the raw key to every record's cipher imported it again each megabyte.
  const secret = createSecretKey(key);
  let pending: Buffer[] = [];
  let available = 0;
  let index = 0;
  for await (const chunk of source) {
    pending.push(chunk);
    available += chunk.length;
    // Keep at least one byte back: the last chunk is only known at the end of the source.
    while (available > chunkBytes) {
      const [head, rest] = split(pending, chunkBytes);
      yield record(secret, binding, index++, false, head);
      pending = rest;
      available -= chunkBytes;
    }
  }
  yield record(secret, binding, index, true, pending);
}

/** The first `bytes` of a list of pieces, and the rest, by reference. */
function split(pieces: readonly Buffer[], bytes: number): [Buffer[], Buffer[]] {
  const head: Buffer[] = [];
  let remaining = bytes;
  let at = 0;
  for (; at < pieces.length && remaining > 0; at += 1) {
    const piece = pieces[at]!;
    if (piece.length <= remaining) {
      head.push(piece);
      remaining -= piece.length;
    } else {
      head.push(piece.subarray(0, remaining));
      return [head, [piece.subarray(remaining), ...pieces.slice(at + 1)]];
    }
  }
  return [head, pieces.slice(at)];
}

/** Opens records made by `sealChunks`; throws `DecryptionError` on any tampering or truncation. */
export async function* openChunks(
  key: Buffer,
  binding: Binding,
  source: AsyncIterable<Buffer>,
): AsyncGenerator<Buffer> {
  // Incoming pieces are kept in a list and joined once a whole record is there: joining on every
  // piece would copy each megabyte record once per 64 KiB read.
  let pieces: Buffer[] = [];
  let available = 0;
  let needed = 4;
  let length: number | null = null;
  let held: Buffer | null = null;
  let index = 0;
  for await (const chunk of source) {
    pieces.push(chunk);
    available += chunk.length;
    while (available >= needed) {
      const joined = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      if (length === null) {
        length = joined.readUInt32BE(0);
        if (length > maxSealedBytes) throw new DecryptionError();
        needed = 4 + length;
        pieces = [joined];
        continue;
      }
      const sealed = Buffer.from(joined.subarray(4, needed));
      const rest = joined.subarray(needed);
      pieces = rest.length > 0 ? [rest] : [];
      available = rest.length;
      length = null;
      needed = 4;
      // A record is opened once the next one arrives: only then is it known not to be the last.
      if (held) yield openWithDataKey(key, chunkBinding(binding, index++, false), held);
      held = sealed;
    }
  }
  if (!held || available > 0) throw new DecryptionError();
  yield openWithDataKey(key, chunkBinding(binding, index, true), held);
}

/** Collects an async byte stream into one buffer. */
export async function collectBytes(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}
