// The template's unpacker writes what a plain ustar archive holds, and refuses an entry that would
// leave its directory or a damaged header (the template is then discarded, never half trusted).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { tarGz } from "../core/tar-writer.ts";
import { extractTar } from "./tar-extract.ts";

/** A plain (not gzipped) ustar archive of `files`, written by the project's own writer. */
function archive(directory: string, files: Array<{ name: string; content: string }>): string {
  const file = path.join(directory, "archive.tar");
  writeFileSync(file, gunzipSync(tarGz(files)));
  return file;
}

/** Renames the archive's first entry in place, with its header's checksum made right again. */
function renameFirst(file: string, name: string): void {
  const bytes = readFileSync(file);
  bytes.fill(0, 0, 100);
  bytes.write(name, 0, "ascii");
  bytes.fill(32, 148, 156);
  let sum = 0;
  for (let index = 0; index < 512; index += 1) sum += bytes[index]!;
  bytes.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  writeFileSync(file, bytes);
}

describe("extractTar", () => {
  it("unpacks files into nested directories", () => {
    const directory = mkdtempSync(path.join(tmpdir(), "custodian-tar-"));
    const file = archive(directory, [
      { name: "PG_VERSION", content: "17\n" },
      { name: "base/1/112", content: "x".repeat(1000) },
    ]);
    extractTar(file, path.join(directory, "out"));
    expect(readFileSync(path.join(directory, "out", "PG_VERSION"), "utf8")).toBe("17\n");
    expect(readFileSync(path.join(directory, "out", "base", "1", "112"), "utf8")).toBe("x".repeat(1000));
  });

  it("refuses an entry that leaves the directory, and a damaged header", () => {
    const directory = mkdtempSync(path.join(tmpdir(), "custodian-tar-"));
    const escaping = archive(directory, [{ name: "in/escaped", content: "no" }]);
    renameFirst(escaping, "../escaped");
    expect(() => extractTar(escaping, path.join(directory, "out"))).toThrow(/leaves its directory/);
    expect(existsSync(path.join(directory, "escaped"))).toBe(false);

    const damaged = archive(directory, [{ name: "PG_VERSION", content: "17\n" }]);
    const bytes = readFileSync(damaged);
    bytes[0] = "Q".charCodeAt(0);
    writeFileSync(damaged, bytes);
    expect(() => extractTar(damaged, path.join(directory, "other"))).toThrow(/checksum/);
  });
});
