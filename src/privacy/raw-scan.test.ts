// The raw scanner reads files in chunks through one buffer: a needle that straddles two chunks is still
// found (with the chunk edge placed inside it on purpose), one that is not there is not, a file that
// vanished is reported as such, and a file it cannot read fails the scan instead of being passed over.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileHolds } from "./raw-scan.ts";

describe("fileHolds", () => {
  const directory = mkdtempSync(path.join(tmpdir(), "raw-scan-test-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("finds a needle across every chunk edge and reports one that is absent", () => {
    const needle = Buffer.from("needle-across-the-edge");
    const absent = Buffer.from("never-written-anywhere");
    const buffer = Buffer.alloc(64);
    // Every offset of the needle against the 64-byte chunks, so some copy straddles each edge.
    for (let offset = 0; offset < 200; offset += 7) {
      const file = path.join(directory, `f${offset}`);
      writeFileSync(file, Buffer.concat([Buffer.alloc(offset, 0x2e), needle, Buffer.alloc(90, 0x2e)]));
      expect(fileHolds(file, [needle, absent], buffer)).toEqual([true, false]);
    }
  });

  it("says a vanished file is gone, and refuses one it cannot read", () => {
    expect(
      fileHolds(path.join(directory, "no-such-file"), [Buffer.from("anything-at-all")], Buffer.alloc(64)),
    ).toBe(null);
    expect(() => fileHolds(directory, [Buffer.from("anything-at-all")], Buffer.alloc(64))).toThrow(
      /raw scan cannot read/,
    );
  });
});
