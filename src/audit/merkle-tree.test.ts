// The Merkle arithmetic against RFC 6962's definition written out naively here, and against the
// certificate-transparency project's published test vectors.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MerkleFrontier } from "./merkle-frontier.ts";
import {
  consistencyRanges,
  foldSubtrees,
  inclusionRanges,
  leafHash,
  subtreesOf,
  verifyConsistency,
  verifyInclusion,
  type LeafRange,
} from "./merkle-tree.ts";

const sha256 = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();

/** RFC 6962 section 2.1, word for word: MTH(D[n]). */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return sha256(Buffer.of(0), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** The certificate-transparency test inputs (merkle_tree_test.cc) and the roots of their prefixes. */
const vectorInputs = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
];
const vectorRoots = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

function leavesOf(count: number): Buffer[] {
  return Array.from({ length: count }, (_, index) => Buffer.from(`entry ${index}`));
}

/** A range's hash from the naive definition over the raw leaves. */
function rangeHash(leaves: Buffer[], range: LeafRange): Buffer {
  return mth(leaves.slice(range.start, range.end));
}

describe("Merkle tree (RFC 6962)", () => {
  it("matches the certificate-transparency test vectors, through the frontier and the naive definition", () => {
    const frontier = new MerkleFrontier();
    vectorInputs.forEach((input, index) => {
      frontier.push(leafHash(Buffer.from(input, "hex")));
      expect(frontier.root().toString("hex")).toBe(vectorRoots[index]);
      const raw = vectorInputs.slice(0, index + 1).map((hex) => Buffer.from(hex, "hex"));
      expect(mth(raw).toString("hex")).toBe(vectorRoots[index]);
    });
  });

  it("computes every root from stored perfect subtrees, as the definition does", () => {
    const leaves = leavesOf(70);
    const frontier = new MerkleFrontier();
    const stored = new Map<string, Buffer>();
    for (let size = 1; size <= leaves.length; size += 1) {
      for (const node of frontier.push(leafHash(leaves[size - 1]!)))
        stored.set(`${node.level}:${node.position}`, node.hash);
      const expected = mth(leaves.slice(0, size));
      expect(frontier.root().equals(expected)).toBe(true);
      const parts = subtreesOf({ start: 0, end: size }).map((key) =>
        stored.get(`${key.level}:${key.position}`)!,
      );
      expect(foldSubtrees(parts).equals(expected)).toBe(true);
    }
  });

  it("builds inclusion proofs that verify, and that fail for a wrong hash, index or root", () => {
    const leaves = leavesOf(33);
    for (let size = 1; size <= leaves.length; size += 1) {
      const root = mth(leaves.slice(0, size));
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionRanges(index, size).map((range) => rangeHash(leaves, range));
        const leaf = sha256(Buffer.of(0), leaves[index]!);
        expect(verifyInclusion(index, size, leaf, proof, root)).toBe(true);
        if (proof.length > 0) {
          const bad = proof.map((hash, position) => (position === proof.length - 1 ? sha256(hash) : hash));
          expect(verifyInclusion(index, size, leaf, bad, root)).toBe(false);
        }
        if (size > 1) expect(verifyInclusion((index + 1) % size, size, leaf, proof, root)).toBe(false);
        // Against the next tree's root (the size itself is what a signed checkpoint vouches for).
        if (size < leaves.length)
          expect(verifyInclusion(index, size, leaf, proof, mth(leaves.slice(0, size + 1)))).toBe(false);
      }
    }
  });

  it("builds consistency proofs that verify, and that fail for a changed old tree", () => {
    const leaves = leavesOf(40);
    for (let size = 1; size <= leaves.length; size += 1) {
      const root = mth(leaves.slice(0, size));
      for (let oldSize = 1; oldSize <= size; oldSize += 1) {
        const oldRoot = mth(leaves.slice(0, oldSize));
        const proof = consistencyRanges(oldSize, size).map((range) => rangeHash(leaves, range));
        expect(verifyConsistency(oldSize, size, proof, oldRoot, root)).toBe(true);
        // The same old size over a history with one entry changed is not extended by this tree.
        const rewritten = [...leaves.slice(0, oldSize)];
        rewritten[oldSize - 1] = Buffer.from("rewritten");
        expect(verifyConsistency(oldSize, size, proof, mth(rewritten), root)).toBe(false);
        if (proof.length > 0)
          expect(verifyConsistency(oldSize, size, proof.slice(1), oldRoot, root)).toBe(false);
      }
    }
  });
});
