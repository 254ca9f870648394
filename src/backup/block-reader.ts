// Reads an archive front to back in large blocks, one block ahead of its reader: the next block is on its
// way from the disk while the frames of the current one are opened, and a 256 KiB frame costs no read of
// its own. Memory stays bounded: the unread rest of one block, plus the block read ahead.
import type { FileHandle } from "node:fs/promises";

const blockBytes = 4 * 1024 * 1024;

/** Reads exactly `length` bytes at `position`, or fewer at the end of the file. */
export async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  // Not zeroed: only the bytes read are handed out (the subarray below).
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

export class BlockReader {
  readonly #handle: FileHandle;
  /** Where the next block to read starts in the file. */
  #position: number;
  #rest: Buffer = Buffer.alloc(0);
  #ahead: Promise<Buffer> | null = null;
  #ended = false;

  constructor(handle: FileHandle, position: number) {
    this.#handle = handle;
    this.#position = position;
  }

  #read(): Promise<Buffer> {
    const at = this.#position;
    this.#position += blockBytes;
    const block = readExactly(this.#handle, at, blockBytes);
    // Awaited by the next take(); a failure is reported there, not as an unhandled rejection.
    block.catch(() => undefined);
    return block;
  }

  /** The next block, the one read ahead when there is one; marks the end when it comes short. */
  async #next(): Promise<Buffer> {
    const block = await (this.#ahead ?? this.#read());
    this.#ahead = null;
    if (block.length < blockBytes) this.#ended = true;
    else this.#ahead = this.#read();
    return block;
  }

  /** The next `length` bytes of the file, or fewer where it ends; copied only when they span two blocks. */
  async take(length: number): Promise<Buffer> {
    const pieces: Buffer[] = [];
    let missing = length;
    while (this.#rest.length < missing && !this.#ended) {
      if (this.#rest.length > 0) pieces.push(this.#rest);
      missing -= this.#rest.length;
      this.#rest = await this.#next();
    }
    const head = this.#rest.subarray(0, Math.min(missing, this.#rest.length));
    this.#rest = this.#rest.subarray(head.length);
    return pieces.length === 0 ? head : Buffer.concat([...pieces, head]);
  }

  /** Waits for the read under way, if any, so the file may be closed under none. */
  async settle(): Promise<void> {
    await this.#ahead?.catch(() => undefined);
    this.#ahead = null;
  }
}
