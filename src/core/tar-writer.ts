// A small POSIX ustar writer with gzip: one archive of regular files, for the evidence pack (SEC-5).
// Only what an archive of a few generated files needs: names under 100 bytes, no links, no directories.
import { gzipSync } from "node:zlib";

export interface TarFile {
  /** A relative path such as "audit/audit-log.json" (ASCII, under 100 bytes). */
  name: string;
  content: Buffer | string;
}

const block = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function header(name: string, size: number, mtime: number): Buffer {
  if (!/^[A-Za-z0-9._/-]{1,99}$/.test(name) || name.startsWith("/") || name.split("/").includes(".."))
    throw new Error(`'${name}' cannot be a file name in the archive.`);
  const bytes = Buffer.alloc(block);
  const put = (text: string, offset: number) => bytes.write(text, offset, "ascii");
  put(name, 0);
  put(octal(0o644, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(mtime, 12), 136);
  put("        ", 148); // the checksum counts its own field as spaces
  put("0", 156);
  put("ustar\0", 257);
  put("00", 263);
  put("custodian", 265);
  put("custodian", 297);
  let sum = 0;
  for (const byte of bytes) sum += byte;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return bytes;
}

/** The files as one ustar archive, gzip-compressed; every file has the time `mtime` (Unix seconds). */
export function tarGz(files: readonly TarFile[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const content = typeof file.content === "string" ? Buffer.from(file.content, "utf8") : file.content;
    parts.push(header(file.name, content.length, mtime), content);
    const padding = (block - (content.length % block)) % block;
    if (padding > 0) parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(block * 2));
  return gzipSync(Buffer.concat(parts));
}
