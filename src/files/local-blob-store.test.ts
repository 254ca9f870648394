import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BlobNotFoundError } from "./blob-store.ts";
import { LocalBlobStore } from "./local-blob-store.ts";
import { collectBytes } from "./sealed-chunks.ts";

describe("LocalBlobStore", () => {
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-blobs-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const store = new LocalBlobStore(directory);

  it("writes, reads and deletes objects, readable only by the owner", async () => {
    expect(await store.write("files/abc", [Buffer.from("one "), Buffer.from("two")])).toBe(7);
    expect(await collectBytes(store.read("files/abc"))).toEqual(Buffer.from("one two"));
    expect(statSync(path.join(directory, "files", "abc")).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(directory, "files")).mode & 0o777).toBe(0o700);
    await store.delete("files/abc");
    expect(await store.has("files/abc")).toBe(false);
    await expect(collectBytes(store.read("files/abc"))).rejects.toBeInstanceOf(BlobNotFoundError);
    await store.delete("files/abc"); // Deleting twice is fine.
  });

  it("writes groups of buffers (a sealed record's pieces) in order, mixed with single buffers", async () => {
    async function* content(): AsyncGenerator<Buffer | Buffer[]> {
      yield [Buffer.from("a"), Buffer.alloc(0), Buffer.from("bc")];
      yield Buffer.from("d");
      yield [];
      yield [Buffer.alloc(200_000, 1), Buffer.from("e")];
    }
    const expected = Buffer.concat([Buffer.from("abcd"), Buffer.alloc(200_000, 1), Buffer.from("e")]);
    expect(await store.write("files/groups", content())).toBe(expected.length);
    expect((await collectBytes(store.read("files/groups"))).equals(expected)).toBe(true);
    await store.delete("files/groups");
  });

  it("refuses keys that could leave its directory", async () => {
    for (const key of ["../etc/passwd", "files/../x", "files/a/b", "/abs", "files/"]) {
      await expect(store.write(key, [Buffer.from("x")])).rejects.toThrow(/Invalid blob key/);
    }
  });
});
