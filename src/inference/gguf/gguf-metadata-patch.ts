// Rewrites a GGUF file's metadata in place, keeping its tensor table and data byte for byte.

import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { encodeGgufHeader } from "./gguf-encoder.ts";
import type { GgufValue } from "./gguf-format.ts";
import { readGgufHeader } from "./gguf-reader.ts";

/**
 * Sets the given metadata entries (adding or replacing) and rewrites the file through a
 * temporary sibling, so a crash midway leaves the original intact. Tensor offsets are relative
 * to the data section, so the data is copied unchanged after the new header.
 */
export async function patchGgufMetadata(path: string, entries: Iterable<[string, GgufValue]>): Promise<void> {
  const header = await readGgufHeader(path);
  const metadata = new Map(header.metadata);
  for (const [key, value] of entries) metadata.set(key, value);
  const encoded = encodeGgufHeader(metadata, header.tensors, header.alignment);
  const temporary = `${path}.patch-${process.pid}`;
  try {
    const output = createWriteStream(temporary);
    output.write(encoded);
    await pipeline(createReadStream(path, { start: header.dataOffset }), output);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
