// The default blob store: one file per object under `<dataDir>/blobs`, readable only by the server's user.
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { randomToken } from "../core/ids.ts";
import { BlobNotFoundError, checkBlobKey, type BlobContent, type BlobStore } from "./blob-store.ts";

/** `pieces` without their first `bytes` bytes, by reference. */
function after(pieces: readonly Buffer[], bytes: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = bytes;
  for (const piece of pieces) {
    if (skip >= piece.length) {
      skip -= piece.length;
      continue;
    }
    rest.push(skip > 0 ? piece.subarray(skip) : piece);
    skip = 0;
  }
  return rest;
}

/**
 * Writes `pieces` at the file's current position, in one `writev` when the system takes them all
 * (it may take fewer bytes, so the rest is written again). Returns the bytes written.
 */
async function writeAll(file: FileHandle, pieces: readonly Buffer[]): Promise<number> {
  let rest = pieces;
  let written = 0;
  for (;;) {
    const wanted = rest.reduce((total, piece) => total + piece.length, 0);
    if (wanted === 0) return written;
    const { bytesWritten } = await file.writev(rest);
    // Errors (a full disk) throw; taking nothing without one would loop for ever, so it is one too.
    if (bytesWritten === 0) throw new Error("The blob file took no bytes.");
    written += bytesWritten;
    if (bytesWritten === wanted) return written;
    rest = after(rest, bytesWritten);
  }
}

export class LocalBlobStore implements BlobStore {
  readonly #directory: string;

  constructor(directory: string) {
    this.#directory = path.resolve(directory);
  }

  #path(key: string): string {
    return path.join(this.#directory, ...checkBlobKey(key).split("/"));
  }

  async write(key: string, content: BlobContent): Promise<number> {
    const target = this.#path(key);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    // Written beside the target and renamed into place, so a reader never sees half an object.
    const partial = `${target}.${randomToken(8)}.partial`;
    let size = 0;
    let file: FileHandle | null = null;
    try {
      file = await open(partial, "wx", 0o600);
      // A group of buffers (a sealed record's pieces) goes down in one `writev`: no stream queue,
      // and no copy to join them.
      for await (const item of content)
        size += await writeAll(file, item instanceof Uint8Array ? [item] : item);
      const written = file;
      file = null;
      await written.close();
      await rename(partial, target);
    } catch (error) {
      await file?.close().catch(() => undefined);
      await rm(partial, { force: true });
      throw error;
    }
    return size;
  }

  async *read(key: string): AsyncIterable<Buffer> {
    const file = this.#path(key);
    if (!(await this.has(key))) throw new BlobNotFoundError();
    for await (const chunk of createReadStream(file)) yield chunk as Buffer;
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await stat(this.#path(key))).isFile();
    } catch {
      return false;
    }
  }
}
