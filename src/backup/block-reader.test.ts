// The block reader hands out the file's bytes in order, whatever the sizes asked for, though it reads
// into two block buffers in turn: a take that spans blocks, and one far larger than a block, come out
// byte for byte as in the file.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { BlockReader } from "./block-reader.ts";

const directory = mkdtempSync(path.join(tmpdir(), "custodian-block-reader-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it("reads a file of several blocks back byte for byte, in frames of any size", async () => {
  const MiB = 1024 * 1024;
  const content = randomBytes(19 * MiB + 12345);
  const file = path.join(directory, "archive.bin");
  writeFileSync(file, content);
  const start = 7;
  // Frame-sized takes, a few that cross block edges, one over two whole blocks, and a short last one.
  const sizes = [4, 256 * 1024 + 21, 3, 9 * MiB, 1, 300 * 1024];
  const handle = await open(file, "r");
  const reader = new BlockReader(handle, start);
  try {
    let at = start;
    let turn = 0;
    while (at < content.length) {
      const size = sizes[turn++ % sizes.length]!;
      const got = await reader.take(size);
      const expected = content.subarray(at, Math.min(at + size, content.length));
      // Compared before the next take: a view is valid until then.
      expect(got.equals(expected)).toBe(true);
      at += expected.length;
    }
    expect((await reader.take(10)).length).toBe(0);
    expect(at).toBe(content.length);
  } finally {
    await reader.settle();
    await handle.close();
  }
});
