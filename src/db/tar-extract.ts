// Unpacks a plain ustar archive (a PGlite data-directory template) into a directory on the disk.
// Only regular files and directories are expected; anything else, a bad header or a name that would
// leave the directory is an error, and the caller discards the archive.
import { mkdirSync, openSync, readSync, closeSync, writeFileSync } from "node:fs";
import path from "node:path";

const block = 512;

function field(header: Buffer, start: number, length: number): string {
  return header
    .subarray(start, start + length)
    .toString("utf8")
    .replace(/\0.*$/s, "");
}

function checksumMatches(header: Buffer): boolean {
  let sum = 0;
  for (let index = 0; index < block; index += 1) sum += index >= 148 && index < 156 ? 32 : header[index]!;
  return sum === parseInt(field(header, 148, 8).trim(), 8);
}

/** Where entry `name` goes inside `directory`, refusing a name that points outside it. */
function target(directory: string, name: string): string {
  const relative = path.normalize(name.replace(/^\/+/, ""));
  if (relative === "." || relative === "") return directory;
  if (relative.startsWith("..") || path.isAbsolute(relative))
    throw new Error("a tar entry leaves its directory");
  return path.join(directory, relative);
}

/** Unpacks `archive` into `directory` (created if missing): directories 0700, files 0600. */
export function extractTar(archive: string, directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const descriptor = openSync(archive, "r");
  try {
    const header = Buffer.alloc(block);
    let position = 0;
    for (;;) {
      if (readSync(descriptor, header, 0, block, position) !== block)
        throw new Error("the tar archive is cut short");
      position += block;
      if (header.every((byte) => byte === 0)) return;
      if (!checksumMatches(header)) throw new Error("a tar header's checksum does not match");
      const prefix = field(header, 345, 155);
      const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
      const size = parseInt(field(header, 124, 12).trim() || "0", 8);
      const type = String.fromCharCode(header[156]!);
      const destination = target(directory, name);
      if (type === "5") {
        mkdirSync(destination, { recursive: true, mode: 0o700 });
      } else if (type === "0" || type === "\0") {
        const content = Buffer.alloc(size);
        if (size > 0 && readSync(descriptor, content, 0, size, position) !== size)
          throw new Error("the tar archive is cut short");
        mkdirSync(path.dirname(destination), { recursive: true, mode: 0o700 });
        writeFileSync(destination, content, { mode: 0o600 });
      } else {
        throw new Error(`an unexpected tar entry type '${type}'`);
      }
      position += Math.ceil(size / block) * block;
    }
  } finally {
    closeSync(descriptor);
  }
}
