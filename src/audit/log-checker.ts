// Reads a log's entries in order and checks them against signed checkpoints: sequence numbers without
// gaps, each entry against its stored leaf when there is one, and the root at every checkpoint's size.
// The database verifier and the offline export verifier both use it, so they judge alike.
import type { Checkpoint } from "./audit-checkpoint.ts";
import { entryBytes, type StoredEntry } from "./audit-entry.ts";
import { MerkleFrontier } from "./merkle-frontier.ts";
import { leafHash, nodeKeyId, type NodeKey } from "./merkle-tree.ts";

export interface RestartReport {
  at: string;
  size: number;
  superseded: number;
}

export type VerifyResult =
  | {
      ok: true;
      entries: number;
      /** Distinct signed checkpoints checked (from the witnesses and the database). */
      checkpoints: number;
      /** The size of the newest signed checkpoint; 0 when there is none. */
      newestCheckpoint: number;
      /**
       * Restores of older backups the witnesses recorded (witness-epochs.ts): when, the tree the log went
       * back to, and how many checkpoints of the larger tree before it that restart superseded. Absent
       * when there was none.
       */
      restarts?: RestartReport[];
    }
  | {
      ok: false;
      entries: number;
      checkpoints: number;
      /** The first bad entry, or the first of the range that is missing or does not match. */
      seq: number;
      /** The last of that range (equal to `seq` for one entry). */
      lastSeq: number;
      problem: string;
    };

export type Problem = { seq: number; lastSeq: number; problem: string };

export function range(first: number, last: number): string {
  return first === last ? `entry ${first}` : `entries ${first} to ${last}`;
}

/** "entry 5 is missing", "entries 5 to 9 are missing". */
export function missing(first: number, last: number): string {
  return `${range(first, last)} ${first === last ? "is" : "are"} missing`;
}

/** The entries (1-based, inclusive) a subtree covers. */
export function entriesOf(key: NodeKey): { first: number; last: number } {
  const size = 2 ** key.level;
  return { first: key.position * size + 1, last: (key.position + 1) * size };
}

function storedProblem(node: NodeKey & { hash: Buffer }, stored: Buffer | undefined): Problem | null {
  if (stored?.equals(node.hash)) return null;
  const { first, last } = entriesOf(node);
  if (node.level === 0) {
    const problem = stored
      ? `entry ${first} does not match its leaf in the stored tree (the entry was changed)`
      : `entry ${first} has no leaf in the stored tree`;
    return { seq: first, lastSeq: first, problem };
  }
  const problem = stored
    ? `the stored tree over ${range(first, last)} does not match them (its hashes were changed)`
    : `the stored tree over ${range(first, last)} was deleted`;
  return { seq: first, lastSeq: last, problem };
}

export class LogChecker {
  readonly frontier: MerkleFrontier;
  /** Checkpoints by size, smallest first; several may share a size (then all must match). */
  readonly #checkpoints: Checkpoint[];
  #next = 0;
  /** The largest checkpoint size already matched: a mismatch lies after it. */
  #matched = 0;

  constructor(checkpoints: readonly Checkpoint[]) {
    this.#checkpoints = [...checkpoints].sort((left, right) => left.size - right.size);
    this.frontier = new MerkleFrontier();
    // A checkpoint of the empty tree says nothing; it is matched before any entry.
    while (this.#checkpoints[this.#next]?.size === 0) this.#next += 1;
  }

  get entries(): number {
    return this.frontier.size;
  }

  get newest(): number {
    return this.#checkpoints.at(-1)?.size ?? 0;
  }

  /**
   * Check the next entry. `stored`: the database's subtrees by `nodeKeyId`, to compare every subtree this
   * entry completes (its leaf first) with what the entries recompute to; absent for an export.
   */
  add(entry: StoredEntry, stored?: ReadonlyMap<string, Buffer>): Problem | null {
    const expected = this.frontier.size + 1;
    if (entry.seq > expected) {
      return { seq: expected, lastSeq: entry.seq - 1, problem: missing(expected, entry.seq - 1) };
    }
    if (entry.seq !== expected) {
      return { seq: entry.seq, lastSeq: entry.seq, problem: `entry ${entry.seq} is out of order` };
    }
    const completed = this.frontier.push(leafHash(entryBytes(entry)));
    if (stored) {
      for (const node of completed) {
        const problem = storedProblem(node, stored.get(nodeKeyId(node)));
        if (problem) return problem;
      }
    }
    return this.#checkSigned();
  }

  #checkSigned(): Problem | null {
    const size = this.frontier.size;
    for (; this.#checkpoints[this.#next]?.size === size; this.#next += 1) {
      if (!this.#checkpoints[this.#next]!.root.equals(this.frontier.root())) {
        const first = this.#matched + 1;
        return {
          seq: first,
          lastSeq: size,
          problem:
            `${range(first, size)} ${first === size ? "does" : "do"} not match the checkpoint signed for ` +
            `${size} entries: ${first === size ? "it was" : "one of them was"} changed, replaced or reordered`,
        };
      }
      this.#matched = size;
    }
    return null;
  }

  /** After the last entry: a signed checkpoint over more entries than there are means some were cut. */
  finish(): Problem | null {
    const size = this.frontier.size;
    const newest = this.newest;
    if (newest <= size) return null;
    return {
      seq: size + 1,
      lastSeq: newest,
      problem:
        size === 0
          ? `the log is empty, but a signed checkpoint covers ${newest} entries: ${range(1, newest)} were deleted`
          : `${missing(size + 1, newest)}: a signed checkpoint covers ${newest} entries`,
    };
  }
}
