// A document's passages and their vectors as one sealed value (issue 20), bound to the document. Format 2
// is binary, so opening a collection decodes no base64 and parses no vectors as JSON: a 16-byte header
// (format byte 2, three zero bytes, then little-endian u32 passage count, vector dimensions and bytes of
// chunk JSON), the chunks as UTF-8 JSON, zeros to a multiple of four bytes, then the vectors as
// little-endian float32, passage after passage. Records written before it (format 1, JSON with the
// vectors in base64) are still read: JSON cannot begin with the byte 2.
import { CustodianError } from "../../core/errors.ts";
import type { Binding } from "../../crypto/aead.ts";
import { openWithDataKey, sealWithDataKey } from "../../crypto/data-key.ts";
import type { DocumentChunk } from "../document-types.ts";

export interface Passages {
  chunks: DocumentChunk[];
  /** One per chunk, all of one length; empty where the collection has no embedding model. */
  vectors: Float32Array[];
}

/** A record as opened: the vectors in one array, `dimensions` numbers per passage (empty: none). */
export interface OpenedPassages {
  chunks: DocumentChunk[];
  dimensions: number;
  vectors: Float32Array;
}

interface FormatOne {
  chunks: DocumentChunk[];
  dimensions: number;
  vectors: string;
}

const formatTwo = 2;
const headerBytes = 16;

/** A record that decrypted but does not hold what its format says: never its content in the message. */
export const passagesUnreadable = (reason: string) =>
  new CustodianError(`A document's stored passages could not be read (${reason}).`, {
    status: 500,
    type: "server_error",
    code: "passages_unreadable",
  });

/** Where a sealed field of the documents domain is bound: its column and its row. */
export function documentBinding(column: string, row: string, organization: string): Binding {
  return { table: column, row, organization };
}

export function sealJson(key: Buffer, binding: Binding, value: unknown): Buffer {
  return sealWithDataKey(key, binding, JSON.stringify(value));
}

export function openJson<T>(key: Buffer, binding: Binding, sealed: Buffer): T {
  return JSON.parse(openWithDataKey(key, binding, sealed).toString("utf8")) as T;
}

/** The plaintext of format 2. */
export function encodePassages(passages: Passages): Buffer {
  const dimensions = passages.vectors[0]?.length ?? 0;
  const count = passages.chunks.length;
  if (passages.vectors.length !== 0 && passages.vectors.length !== count)
    throw new Error("Every passage needs a vector, or none does.");
  if (passages.vectors.some((vector) => vector.length !== dimensions))
    throw new Error("A document's vectors must all be of one length.");
  const json = Buffer.from(JSON.stringify(passages.chunks), "utf8");
  const vectorsAt = headerBytes + Math.ceil(json.length / 4) * 4;
  const plaintext = Buffer.alloc(vectorsAt + passages.vectors.length * dimensions * 4);
  plaintext.writeUInt8(formatTwo, 0);
  plaintext.writeUInt32LE(count, 4);
  plaintext.writeUInt32LE(passages.vectors.length === 0 ? 0 : dimensions, 8);
  plaintext.writeUInt32LE(json.length, 12);
  json.copy(plaintext, headerBytes);
  passages.vectors.forEach((vector, index) => {
    const at = vectorsAt + index * dimensions * 4;
    // Float32Array is in the machine's byte order; the format is little-endian.
    if (bigEndian) vector.forEach((value, place) => plaintext.writeFloatLE(value, at + place * 4));
    else Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).copy(plaintext, at);
  });
  return plaintext;
}

const bigEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

function floats(plaintext: Buffer, offset: number, count: number): Float32Array {
  if (bigEndian) {
    const vectors = new Float32Array(count);
    for (let at = 0; at < count; at++) vectors[at] = plaintext.readFloatLE(offset + at * 4);
    return vectors;
  }
  const start = plaintext.byteOffset + offset;
  // A view where the bytes are aligned for one (they are in a large record); a copy otherwise.
  if (start % 4 === 0) return new Float32Array(plaintext.buffer, start, count);
  return new Float32Array(plaintext.buffer.slice(start, start + count * 4));
}

function chunksOf(json: string, count: number): DocumentChunk[] {
  let chunks: unknown;
  try {
    chunks = JSON.parse(json);
  } catch {
    throw passagesUnreadable("chunks are not JSON");
  }
  if (!Array.isArray(chunks) || chunks.length !== count) throw passagesUnreadable("wrong number of chunks");
  return chunks as DocumentChunk[];
}

function decodeFormatTwo(plaintext: Buffer): OpenedPassages {
  if (plaintext.length < headerBytes || plaintext.readUInt32BE(0) !== formatTwo << 24)
    throw passagesUnreadable("bad header");
  const count = plaintext.readUInt32LE(4);
  const dimensions = plaintext.readUInt32LE(8);
  const jsonBytes = plaintext.readUInt32LE(12);
  const vectorsAt = headerBytes + Math.ceil(jsonBytes / 4) * 4;
  const vectorCount = count * dimensions;
  if (plaintext.length !== vectorsAt + vectorCount * 4) throw passagesUnreadable("wrong length");
  const chunks = chunksOf(plaintext.toString("utf8", headerBytes, headerBytes + jsonBytes), count);
  return { chunks, dimensions, vectors: floats(plaintext, vectorsAt, vectorCount) };
}

function decodeFormatOne(plaintext: Buffer): OpenedPassages {
  let encoded: FormatOne;
  try {
    encoded = JSON.parse(plaintext.toString("utf8")) as FormatOne;
  } catch {
    throw passagesUnreadable("not JSON");
  }
  if (!Array.isArray(encoded?.chunks) || typeof encoded.vectors !== "string")
    throw passagesUnreadable("bad format 1 record");
  const bytes = Buffer.from(encoded.vectors, "base64");
  const dimensions = bytes.length === 0 ? 0 : encoded.dimensions;
  if (!Number.isInteger(dimensions) || bytes.length !== encoded.chunks.length * dimensions * 4)
    throw passagesUnreadable("wrong vector length");
  return { chunks: encoded.chunks, dimensions, vectors: floats(bytes, 0, bytes.length / 4) };
}

/** A record's plaintext, of either format. */
export function decodePassages(plaintext: Buffer): OpenedPassages {
  return plaintext[0] === formatTwo ? decodeFormatTwo(plaintext) : decodeFormatOne(plaintext);
}

export function sealPassages(key: Buffer, binding: Binding, passages: Passages): Buffer {
  return sealWithDataKey(key, binding, encodePassages(passages));
}

export function openPassages(key: Buffer, binding: Binding, sealed: Buffer): OpenedPassages {
  return decodePassages(openWithDataKey(key, binding, sealed));
}

/** One passage's vector out of an opened record (a view, not a copy); empty where it has none. */
export function vectorOf(opened: OpenedPassages, index: number): Float32Array {
  const { dimensions, vectors } = opened;
  return vectors.subarray(index * dimensions, dimensions === 0 ? 0 : (index + 1) * dimensions);
}
