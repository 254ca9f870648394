import { createDecipheriv, randomBytes } from "node:crypto";
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
  // Each record comes as its pieces; joined, they are the record as it lies on disk.
  const records: Buffer[] = [];
  for await (const record of sealChunks(key, binding, parts)) records.push(Buffer.concat(record));
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

  it("opens content sealed before records were handed on as pieces", async () => {
    // Sealed by the version that joined each record into one buffer; the format must not have moved.
    const stored = Buffer.from(
      "AAAARQEAAAAAerKFL4LnWHx+hX7N8tETlZ4MTB8vQeAjo8jmM9R16Tk7lfnn4jZIbiSDjW1vR4ud1NnlQdbUU6coETwDD/jg6Q==",
      "base64",
    );
    const opened = await collectBytes(openChunks(Buffer.alloc(32, 0x2a), binding, from([stored])));
    expect(opened.toString()).toBe("Sealed before records became pieces.");
  });

  it("writes the documented record format, chunk by chunk, read without this module", async () => {
    const content = randomBytes((1 << 20) + 100);
    // Fed in uneven pieces, so records are cut across incoming pieces.
    const records: Buffer[][] = [];
    for await (const record of sealChunks(key, binding, [
      content.subarray(0, 70_000),
      content.subarray(70_000),
    ]))
      records.push([...record]);
    expect(records.length).toBe(2);
    const field = (text: string) => {
      const bytes = Buffer.from(text);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return Buffer.concat([length, bytes]);
    };
    const plaintexts = records.map((pieces, index) => {
      const whole = Buffer.concat(pieces);
      // [sealed length:4 BE][format 1][key version 0:4][nonce:12][ciphertext][tag:16]
      expect(whole.readUInt32BE(0)).toBe(whole.length - 4);
      expect(whole[4]).toBe(1);
      expect(whole.readUInt32BE(5)).toBe(0);
      const row = `${binding.row}#${index}${index === records.length - 1 ? "$" : ""}`;
      const decipher = createDecipheriv("aes-256-gcm", key, whole.subarray(9, 21));
      decipher.setAAD(Buffer.concat(["f1", binding.table, row, binding.organization, "v0"].map(field)));
      decipher.setAuthTag(whole.subarray(whole.length - 16));
      return Buffer.concat([decipher.update(whole.subarray(21, whole.length - 16)), decipher.final()]);
    });
    expect(plaintexts[0]!.length).toBe(1 << 20);
    expect(Buffer.concat(plaintexts).equals(content)).toBe(true);
  });
});
