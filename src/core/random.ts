// Random bytes for values that are public once made (identifiers, AES-GCM nonces), drawn from a pool.
//
// Each `crypto.randomBytes` call costs several microseconds in a VM (a trip into OpenSSL's generator,
// often a system call): over 10% of a gateway request's CPU when every request makes four of them.
// The pool takes the same generator's output 4 KiB at a time and hands out each byte once, so the
// output is as unpredictable as before. Keys are not drawn from here: they stay in `randomBytes`, so
// no secret sits in a long-lived buffer beside public values.
import { randomFillSync } from "node:crypto";

const poolSize = 4096;
const pool = Buffer.allocUnsafeSlow(poolSize);
let offset = poolSize;

/** `size` fresh random bytes (at most 256), copied out of the pool. */
export function publicRandomBytes(size: number): Buffer {
  if (size > 256) throw new RangeError("publicRandomBytes serves at most 256 bytes");
  if (offset + size > poolSize) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return out;
}
