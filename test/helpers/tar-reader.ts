// Opens a tar.gz the way an auditor's tools would: gunzip, then the ustar headers, independently of
// src/core/tar-writer.ts (sizes and names from the headers, each header's checksum checked).
import { gunzipSync } from "node:zlib";

export function readTarGz(archive: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(archive);
  const files = new Map<string, Buffer>();
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const text = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString("ascii")
        .replace(/\0.*$/s, "");
    const name = text(0, 100);
    const size = parseInt(text(124, 12).trim(), 8);
    const checksum = parseInt(text(148, 8).trim(), 8);
    let sum = 0;
    for (let index = 0; index < 512; index += 1) sum += index >= 148 && index < 156 ? 32 : header[index]!;
    if (sum !== checksum) throw new Error(`bad header checksum for ${name}`);
    if (text(257, 6) !== "ustar") throw new Error(`not a ustar header: ${name}`);
    files.set(name, Buffer.from(tar.subarray(offset + 512, offset + 512 + size)));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
