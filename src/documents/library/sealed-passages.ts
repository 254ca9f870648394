// A document's passages and their vectors as one sealed value (issue 20): the chunks as JSON and the
// vectors as little-endian float32, sealed whole under the collection's key, bound to the document.
import type { Binding } from "../../crypto/aead.ts";
import { openWithDataKey, sealWithDataKey } from "../../crypto/data-key.ts";
import type { DocumentChunk } from "../document-types.ts";

export interface Passages {
  chunks: DocumentChunk[];
  /** One per chunk, all of one length; empty where the collection has no embedding model. */
  vectors: Float32Array[];
}

interface Encoded {
  chunks: DocumentChunk[];
  dimensions: number;
  vectors: string;
}

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

export function sealPassages(key: Buffer, binding: Binding, passages: Passages): Buffer {
  const dimensions = passages.vectors[0]?.length ?? 0;
  const flat = new Float32Array(dimensions * passages.vectors.length);
  passages.vectors.forEach((vector, index) => flat.set(vector, index * dimensions));
  const encoded: Encoded = {
    chunks: passages.chunks,
    dimensions,
    vectors: Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength).toString("base64"),
  };
  return sealJson(key, binding, encoded);
}

export function openPassages(key: Buffer, binding: Binding, sealed: Buffer): Passages {
  const encoded = openJson<Encoded>(key, binding, sealed);
  const bytes = Buffer.from(encoded.vectors, "base64");
  const flat = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const vectors: Float32Array[] = [];
  if (encoded.dimensions > 0) {
    for (let index = 0; index < encoded.chunks.length; index++) {
      vectors.push(flat.slice(index * encoded.dimensions, (index + 1) * encoded.dimensions));
    }
  }
  return { chunks: encoded.chunks, vectors };
}
