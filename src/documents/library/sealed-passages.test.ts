import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecryptionError } from "../../crypto/aead.ts";
import { sealWithDataKey } from "../../crypto/data-key.ts";
import type { DocumentChunk } from "../document-types.ts";
import {
  decodePassages,
  documentBinding,
  encodePassages,
  openPassages,
  sealJson,
  sealPassages,
  vectorOf,
} from "./sealed-passages.ts";

const key = randomBytes(32);
const binding = documentBinding("documents.passages", "doc_1", "org_1");
const chunks: DocumentChunk[] = [
  { index: 0, text: "Expense reports are due on the fifth.", page: 1, section: "Money" },
  { index: 1, text: "Café « naïve » 価格表 — odd bytes", page: null, section: null },
  { index: 2, text: "A third passage", page: 2, section: null },
];
const vectors = [
  Float32Array.from([1, -2.5, 3.25]),
  Float32Array.from([0, 0.1, -0]),
  Float32Array.from([1e-30, 7, 8]),
];

/** A record as the library wrote it before format 2: JSON with the vectors in base64. */
function sealFormatOne(passages: { chunks: DocumentChunk[]; vectors: Float32Array[] }): Buffer {
  const dimensions = passages.vectors[0]?.length ?? 0;
  const flat = new Float32Array(dimensions * passages.vectors.length);
  passages.vectors.forEach((vector, index) => flat.set(vector, index * dimensions));
  const base64 = Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength).toString("base64");
  return sealJson(key, binding, { chunks: passages.chunks, dimensions, vectors: base64 });
}

function expectSame(opened: ReturnType<typeof openPassages>, expected: Float32Array[]): void {
  expect(opened.chunks).toEqual(chunks);
  expect(opened.dimensions).toBe(expected[0]?.length ?? 0);
  chunks.forEach((_, index) =>
    expect([...vectorOf(opened, index)]).toEqual([...(expected[index] ?? new Float32Array(0))]),
  );
}

describe("sealed passages", () => {
  it("round-trips chunks and vectors through the binary format", () => {
    const sealed = sealPassages(key, binding, { chunks, vectors });
    expectSame(openPassages(key, binding, sealed), vectors);
    // Without vectors (a collection with no embedding model).
    expectSame(openPassages(key, binding, sealPassages(key, binding, { chunks, vectors: [] })), []);
  });

  it("writes vectors as raw float32, not as base64 inside JSON", () => {
    const plaintext = encodePassages({ chunks, vectors });
    expect(plaintext[0]).toBe(2);
    const raw = Buffer.from(vectors[2]!.buffer);
    // Positive control: the bytes are there raw; and there is no base64 of them.
    expect(plaintext.includes(raw)).toBe(true);
    expect(plaintext.includes(Buffer.from(raw.toString("base64")))).toBe(false);
  });

  it("still reads records of the earlier JSON format", () => {
    expectSame(openPassages(key, binding, sealFormatOne({ chunks, vectors })), vectors);
    expectSame(openPassages(key, binding, sealFormatOne({ chunks, vectors: [] })), []);
  });

  it("refuses a truncated or altered sealed record (the AEAD check)", () => {
    const sealed = sealPassages(key, binding, { chunks, vectors });
    expect(() => openPassages(key, binding, sealed.subarray(0, sealed.length - 5))).toThrow(DecryptionError);
    const altered = Buffer.from(sealed);
    altered[40]! ^= 1;
    expect(() => openPassages(key, binding, altered)).toThrow(DecryptionError);
    const elsewhere = documentBinding("documents.passages", "doc_2", "org_1");
    expect(() => openPassages(key, elsewhere, sealed)).toThrow(DecryptionError);
  });

  it("refuses, clearly and without content, a record that decrypts but does not hold what it says", () => {
    const plaintext = encodePassages({ chunks, vectors });
    const refusals: Buffer[] = [
      plaintext.subarray(0, plaintext.length - 4),
      Buffer.concat([plaintext, Buffer.alloc(4)]),
      plaintext.subarray(0, 10),
      Buffer.from("not json at all"),
      Buffer.from(JSON.stringify({ chunks, dimensions: 3, vectors: "AAAA" })),
    ];
    const wrongCount = Buffer.from(plaintext);
    wrongCount.writeUInt32LE(2, 4);
    refusals.push(wrongCount);
    const badJson = Buffer.from(plaintext);
    badJson[16] = 0x7d;
    refusals.push(badJson);
    for (const bad of refusals) {
      // Sealed properly, so only the decoder can refuse it.
      const sealed = sealWithDataKey(key, binding, bad);
      let refusal: unknown;
      try {
        openPassages(key, binding, sealed);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toMatchObject({ status: 500, code: "passages_unreadable" });
      expect(String((refusal as Error).message)).not.toContain("Expense");
    }
    // Positive control: the same path opens the record untouched.
    expect(decodePassages(plaintext).chunks).toEqual(chunks);
  });
});
