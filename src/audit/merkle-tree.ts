// RFC 6962 / RFC 9162 Merkle tree arithmetic: leaf and node hashing, which stored subtrees make up any
// range a proof needs, the inclusion and consistency proof shapes, and their verification.
import { createHash } from "node:crypto";

/** A perfect (power-of-two) subtree: the leaves [position * 2^level, (position + 1) * 2^level). */
export interface NodeKey {
  level: number;
  position: number;
}

/** Leaves [start, end) of the tree, as RFC 6962 splits them: the hash of this range is a proof element. */
export interface LeafRange {
  start: number;
  end: number;
}

export function leafHash(entry: Uint8Array): Buffer {
  return createHash("sha256").update(Buffer.of(0)).update(entry).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash("sha256").update(Buffer.of(1)).update(left).update(right).digest();
}

/** The hash of an empty tree (RFC 6962: the hash of the empty string). */
export const emptyRoot = createHash("sha256").digest();

export function nodeKeyId(key: NodeKey): string {
  return `${key.level}:${key.position}`;
}

/** The largest power of two strictly less than n (n > 1): where RFC 6962 splits a tree of n leaves. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees that make up a range, left to right. Every range RFC 6962 hashes starts at a
 * multiple of a power of two at least its length, so it is its largest aligned subtree followed by the
 * same decomposition of the rest (the binary digits of its length, largest first).
 */
export function subtreesOf(range: LeafRange): NodeKey[] {
  const keys: NodeKey[] = [];
  let start = range.start;
  while (start < range.end) {
    let size = 1;
    while (start % (size * 2) === 0 && start + size * 2 <= range.end) size *= 2;
    const level = Math.log2(size);
    keys.push({ level, position: start / size });
    start += size;
  }
  return keys;
}

/** The hash of a range from the hashes of its perfect subtrees (`subtreesOf` order): a right fold. */
export function foldSubtrees(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) return emptyRoot;
  let hash: Buffer = Buffer.from(hashes[hashes.length - 1]!);
  for (let index = hashes.length - 2; index >= 0; index -= 1) hash = nodeHash(hashes[index]!, hash);
  return hash;
}

/** RFC 6962 PATH(m, D[start:end]) as ranges, the leaf's neighbour first. */
function pathRanges(index: number, start: number, end: number): LeafRange[] {
  const n = end - start;
  if (n <= 1) return [];
  const k = split(n);
  if (index - start < k) return [...pathRanges(index, start, start + k), { start: start + k, end }];
  return [...pathRanges(index, start + k, end), { start, end: start + k }];
}

/** The ranges whose hashes prove leaf `index` is in the tree of `size` leaves. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`Leaf ${index} is not in a tree of ${size} leaves.`);
  }
  return pathRanges(index, 0, size);
}

/** RFC 6962 SUBPROOF(m, D[start:end], b) as ranges. */
function subproofRanges(m: number, start: number, end: number, complete: boolean): LeafRange[] {
  const n = end - start;
  if (m === n) return complete ? [] : [{ start, end }];
  const k = split(n);
  if (m <= k) return [...subproofRanges(m, start, start + k, complete), { start: start + k, end }];
  return [...subproofRanges(m - k, start + k, end, false), { start, end: start + k }];
}

/** The ranges whose hashes prove the tree of `size` leaves extends the tree of `oldSize` leaves. */
export function consistencyRanges(oldSize: number, size: number): LeafRange[] {
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > size) {
    throw new RangeError(`A tree of ${size} leaves cannot extend one of ${oldSize}.`);
  }
  if (oldSize === 0 || oldSize === size) return [];
  return subproofRanges(oldSize, 0, size, true);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

function equal(left: Uint8Array, right: Uint8Array): boolean {
  return Buffer.compare(left, right) === 0;
}

/** RFC 9162 section 2.1.3.2: the root an inclusion proof leads to, or null if the proof is malformed. */
export function rootFromInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer | null {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let hash: Buffer = Buffer.from(leaf);
  for (const element of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      hash = nodeHash(element, hash);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      hash = nodeHash(hash, element);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? hash : null;
}

export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const computed = rootFromInclusion(index, size, leaf, proof);
  return computed !== null && equal(computed, root);
}

/** RFC 9162 section 2.1.4.2: whether `proof` shows the tree (size, root) extends (oldSize, oldRoot). */
export function verifyConsistency(
  oldSize: number,
  size: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(size) || oldSize < 0 || oldSize > size)
    return false;
  if (oldSize === size) return proof.length === 0 && equal(oldRoot, root);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = size - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let oldHash: Buffer = Buffer.from(path[0]!);
  let newHash: Buffer = Buffer.from(path[0]!);
  for (const element of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      oldHash = nodeHash(element, oldHash);
      newHash = nodeHash(element, newHash);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      newHash = nodeHash(newHash, element);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(oldHash, oldRoot) && equal(newHash, root);
}
