// Where encrypted objects (uploaded files, fine-tuned weights) are kept: a small streaming interface,
// so a local directory serves one machine and an S3-compatible store can serve many behind it (PLAT-3).

/**
 * What a blob store writes, in order: buffers, or groups of buffers that make one stretch of the object
 * (a sealed record's pieces), which a store may write in one call instead of joining them first.
 */
export type BlobContent = AsyncIterable<Buffer | readonly Buffer[]> | Iterable<Buffer | readonly Buffer[]>;

/**
 * A flat store of opaque byte objects by key. It only ever holds ciphertext: callers seal before
 * `write` and open after `read`. Keys are `<kind>/<id>`: letters, digits, '-', '_' and one '/'.
 */
export interface BlobStore {
  /** Stores the object whole, replacing any with that key; a failed write leaves nothing behind. Returns its size. */
  write(key: string, content: BlobContent): Promise<number>;
  /** The object's bytes, in order; throws `BlobNotFoundError` if there is none. */
  read(key: string): AsyncIterable<Buffer>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  /** Whether an object with this key exists. */
  has(key: string): Promise<boolean>;
}

export class BlobNotFoundError extends Error {
  constructor() {
    super("No stored object with that key.");
    this.name = "BlobNotFoundError";
  }
}

const keyPattern = /^[a-z][a-z0-9_-]{0,31}\/[A-Za-z0-9_-]{1,128}$/;

/** Refuses any key that could name a path outside the store. */
export function checkBlobKey(key: string): string {
  if (!keyPattern.test(key)) throw new Error("Invalid blob key.");
  return key;
}
