// The audit log's Merkle tree in the database: every perfect subtree's hash, written once when its last
// leaf is appended, so a root or a proof for any size reads O(log n) rows and recomputes nothing.
import type { Kysely } from "kysely";
import type { Db } from "../db/database.ts";
import type { Database } from "../db/schema.ts";
import "./audit-tables.ts";
import {
  consistencyRanges,
  foldSubtrees,
  inclusionRanges,
  nodeHash,
  nodeKeyId,
  subtreesOf,
  type LeafRange,
  type NodeKey,
} from "./merkle-tree.ts";

/** A subtree the stored tree should have and does not: rows were deleted. */
export class MissingNodeError extends Error {
  readonly key: NodeKey;
  constructor(key: NodeKey) {
    super(`The stored audit tree lacks the subtree at level ${key.level}, position ${key.position}.`);
    this.name = "MissingNodeError";
    this.key = key;
  }
}

const keysPerQuery = 500;

export class MerkleNodeStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Store leaf `position` and every subtree it completes. Runs inside the append's transaction, under
   * its lock, so the left siblings it reads are the ones committed before it.
   */
  async appendLeaf(transaction: Kysely<Database>, position: number, leaf: Buffer): Promise<void> {
    const siblings: NodeKey[] = [];
    for (let level = 0, index = position; index % 2 === 1; level += 1, index = Math.floor(index / 2)) {
      siblings.push({ level, position: index - 1 });
    }
    const stored = await this.#read(transaction, siblings);
    const rows = [{ level: 0, position, hash: leaf }];
    let hash = leaf;
    for (const sibling of siblings) {
      const left = stored.get(nodeKeyId(sibling));
      if (!left) throw new MissingNodeError(sibling);
      hash = nodeHash(left, hash);
      rows.push({ level: sibling.level + 1, position: sibling.position / 2, hash });
    }
    await transaction.insertInto("audit_tree_nodes").values(rows).execute();
  }

  /** Stored hashes of the given subtrees; missing ones are absent from the map. */
  read(keys: readonly NodeKey[]): Promise<Map<string, Buffer>> {
    return this.#read(this.#db, keys);
  }

  async #read(db: Kysely<Database>, keys: readonly NodeKey[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    const unique = [...new Map(keys.map((key) => [nodeKeyId(key), key])).values()];
    for (let offset = 0; offset < unique.length; offset += keysPerQuery) {
      const byLevel = new Map<number, number[]>();
      for (const key of unique.slice(offset, offset + keysPerQuery)) {
        byLevel.set(key.level, [...(byLevel.get(key.level) ?? []), key.position]);
      }
      const rows = await db
        .selectFrom("audit_tree_nodes")
        .select(["level", "position", "hash"])
        .where((where) =>
          where.or(
            [...byLevel].map(([level, positions]) =>
              where.and([where("level", "=", level), where("position", "in", positions)]),
            ),
          ),
        )
        .execute();
      for (const row of rows) found.set(nodeKeyId(row), row.hash);
    }
    return found;
  }

  /** The hash of each range, from its stored subtrees; throws `MissingNodeError` if one is gone. */
  async rangeHashes(ranges: readonly LeafRange[]): Promise<Buffer[]> {
    const decomposed = ranges.map((range) => subtreesOf(range));
    const stored = await this.read(decomposed.flat());
    return decomposed.map((keys) =>
      foldSubtrees(
        keys.map((key) => {
          const hash = stored.get(nodeKeyId(key));
          if (!hash) throw new MissingNodeError(key);
          return hash;
        }),
      ),
    );
  }

  async root(size: number): Promise<Buffer> {
    const [root] = await this.rangeHashes([{ start: 0, end: size }]);
    return root!;
  }

  /** Inclusion proofs of many leaves in one tree, read in one pass (their paths share most nodes). */
  async inclusionProofs(indices: readonly number[], size: number): Promise<Buffer[][]> {
    const paths = indices.map((index) => inclusionRanges(index, size));
    const hashes = await this.rangeHashes(paths.flat());
    let offset = 0;
    return paths.map((path) => {
      const proof = hashes.slice(offset, offset + path.length);
      offset += path.length;
      return proof;
    });
  }

  async consistencyProof(oldSize: number, size: number): Promise<Buffer[]> {
    return this.rangeHashes(consistencyRanges(oldSize, size));
  }

  /**
   * Every stored subtree whose last leaf is one of leaves [start, end): the ones a reader completes while
   * reading those entries in order, by `nodeKeyId`. One query for any batch.
   */
  async completedBy(start: number, end: number): Promise<Map<string, Buffer>> {
    const levels: Array<{ level: number; first: number; last: number }> = [];
    for (let level = 0; 2 ** level <= end; level += 1) {
      const size = 2 ** level;
      const first = Math.ceil((start + 1) / size) - 1;
      const last = Math.floor(end / size) - 1;
      if (first <= last) levels.push({ level, first, last });
    }
    if (levels.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom("audit_tree_nodes")
      .select(["level", "position", "hash"])
      .where((where) =>
        where.or(
          levels.map(({ level, first, last }) =>
            where.and([
              where("level", "=", level),
              where("position", ">=", first),
              where("position", "<=", last),
            ]),
          ),
        ),
      )
      .execute();
    return new Map(rows.map((row) => [nodeKeyId(row), row.hash]));
  }
}
