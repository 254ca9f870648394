// The default blob store: one file per object under `<dataDir>/blobs`, readable only by the server's user.
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomToken } from "../core/ids.ts";
import { BlobNotFoundError, checkBlobKey, type BlobStore } from "./blob-store.ts";

export class LocalBlobStore implements BlobStore {
  readonly #directory: string;

  constructor(directory: string) {
    this.#directory = path.resolve(directory);
  }

  #path(key: string): string {
    return path.join(this.#directory, ...checkBlobKey(key).split("/"));
  }

  async write(key: string, content: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
    const target = this.#path(key);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    // Written beside the target and renamed into place, so a reader never sees half an object.
    const partial = `${target}.${randomToken(8)}.partial`;
    let size = 0;
    const counted = Readable.from(content).on("data", (chunk: Buffer) => {
      size += chunk.length;
    });
    try {
      await pipeline(counted, createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, target);
    } catch (error) {
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
