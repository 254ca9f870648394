// Reads an archive front to back in large blocks, one block ahead of its reader: the next block is on its
// way from the disk while the frames of the current one are opened, and a 256 KiB frame costs no read of
// its own. Memory stays bounded and is allocated once: two block buffers, used in turn (the one read into
// is never the one handed out from), so a gigabyte read costs the garbage collector nothing.
import type { FileHandle } from "node:fs/promises";

const blockBytes = 4 * 1024 * 1024;

/** Fills `buffer` from `position`; returns the bytes read (fewer only at the end of the file). */
async function readInto(handle: FileHandle, buffer: Buffer, position: number): Promise<Buffer> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/** Reads exactly `length` bytes at `position`, or fewer at the end of the file. */
export async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  // Not zeroed: only the bytes read are handed out.
  return readInto(handle, Buffer.allocUnsafe(length), position);
}

export class BlockReader {
  readonly #handle: FileHandle;
  /** Where the next block to read starts in the file. */
  #position: number;
  #rest: Buffer = Buffer.alloc(0);
  #ahead: Promise<Buffer> | null = null;
  #ended = false;
  /** The two block buffers, and which one the next read goes into. */
  readonly #buffers: Buffer[] = [];
  #turn = 0;

  constructor(handle: FileHandle, position: number) {
    this.#handle = handle;
    this.#position = position;
  }

  #read(): Promise<Buffer> {
    const at = this.#position;
    this.#position += blockBytes;
    const slot = this.#turn;
    this.#turn = 1 - this.#turn;
    // Not zeroed: only the bytes read are handed out.
    const buffer = (this.#buffers[slot] ??= Buffer.allocUnsafe(blockBytes));
    const block = readInto(this.#handle, buffer, at);
    // Awaited by the next take(); a failure is reported there, not as an unhandled rejection.
    block.catch(() => undefined);
    return block;
  }

  /** The next block, the one read ahead when there is one; marks the end when it comes short. */
  async #next(): Promise<Buffer> {
    const block = await (this.#ahead ?? this.#read());
    this.#ahead = null;
    // The read ahead goes into the buffer of the block before this one, of which nothing is left
    // unread (take copied its tail) and whose views were valid only until this take.
    if (block.length < blockBytes) this.#ended = true;
    else this.#ahead = this.#read();
    return block;
  }

  /**
   * The next `length` bytes of the file, or fewer where it ends. The bytes are a view of a block buffer
   * that is read into again later: valid only until the next take(). Copied only when they span blocks.
   */
  async take(length: number): Promise<Buffer> {
    const pieces: Buffer[] = [];
    let missing = length;
    while (this.#rest.length < missing && !this.#ended) {
      // Copied now: its block's buffer is read into again once the next block arrives.
      if (this.#rest.length > 0) pieces.push(Buffer.from(this.#rest));
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
