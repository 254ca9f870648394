// The right edge of a Merkle tree built one leaf at a time: enough to know the root at every size
// while reading a log in order, in memory that grows with the logarithm of the log, not the log.
import { foldSubtrees, nodeHash, type NodeKey } from "./merkle-tree.ts";

export class MerkleFrontier {
  /** The perfect subtrees of the current size, largest (leftmost) first. */
  readonly #stack: Array<{ level: number; hash: Buffer }> = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Add the next leaf; returns every perfect subtree it completed (the leaf itself first). */
  push(leaf: Buffer): Array<NodeKey & { hash: Buffer }> {
    const completed: Array<NodeKey & { hash: Buffer }> = [];
    let level = 0;
    let hash = leaf;
    let position = this.#size;
    for (;;) {
      completed.push({ level, position, hash });
      const top = this.#stack.at(-1);
      if (!top || top.level !== level) break;
      this.#stack.pop();
      hash = nodeHash(top.hash, hash);
      level += 1;
      position = Math.floor(position / 2);
    }
    this.#stack.push({ level, hash });
    this.#size += 1;
    return completed;
  }

  /** The root of the tree of the leaves pushed so far. */
  root(): Buffer {
    return foldSubtrees(this.#stack.map((node) => node.hash));
  }
}
