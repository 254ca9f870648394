import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecryptionError } from "../crypto/aead.ts";
import { collectBytes, openChunks, sealChunks } from "./sealed-chunks.ts";

const key = randomBytes(32);
const binding = { table: "files.content", row: "file-1", organization: "org_1" };

async function* from(buffers: Buffer[]): AsyncGenerator<Buffer> {
  yield* buffers;
}

async function sealed(content: Buffer, pieces = 1): Promise<Buffer[]> {
  const size = Math.ceil(content.length / pieces) || 1;
  const parts = Array.from({ length: pieces }, (_, index) =>
    content.subarray(index * size, (index + 1) * size),
  );
  const records: Buffer[] = [];
  for await (const record of sealChunks(key, binding, parts)) records.push(record);
  return records;
}

describe("sealed chunks", () => {
  it("[SEC-1] round-trips empty, small and multi-chunk content, read in any slicing", async () => {
    for (const content of [Buffer.alloc(0), Buffer.from("hello"), randomBytes((1 << 20) * 2 + 17)]) {
      const records = await sealed(content, 3);
      expect(records.length).toBe(Math.max(1, Math.ceil(content.length / (1 << 20))));
      const whole = Buffer.concat(records);
      // Read back in odd-sized slices, as a stream from disk or S3 would arrive.
      const slices = [];
      for (let at = 0; at < whole.length; at += 65_521) slices.push(whole.subarray(at, at + 65_521));
      // Buffer.equals: a deep toEqual over megabytes is slow.
      expect((await collectBytes(openChunks(key, binding, from(slices)))).equals(content)).toBe(true);
      expect(whole.includes(Buffer.from("hello"))).toBe(false);
    }
  });

  it("refuses tampered, reordered, truncated or mis-bound content", async () => {
    const content = randomBytes((1 << 20) * 2 + 5);
    const records = await sealed(content);
    const open = (parts: Buffer[], where = binding) => collectBytes(openChunks(key, where, from(parts)));
    const tampered = Buffer.from(records[1]!);
    tampered[40] = tampered[40]! ^ 1;
    await expect(open([records[0]!, tampered, records[2]!])).rejects.toBeInstanceOf(DecryptionError);
    await expect(open([records[1]!, records[0]!, records[2]!])).rejects.toBeInstanceOf(DecryptionError);
    // Dropping the last chunk: the new last one was sealed as "not last".
    await expect(open([records[0]!, records[1]!])).rejects.toBeInstanceOf(DecryptionError);
    await expect(open([Buffer.concat(records).subarray(0, -3)])).rejects.toBeInstanceOf(DecryptionError);
    await expect(open(records, { ...binding, row: "file-2" })).rejects.toBeInstanceOf(DecryptionError);
    await expect(open([])).rejects.toBeInstanceOf(DecryptionError);
  });
});
