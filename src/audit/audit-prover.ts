// What the log hands out to be checked elsewhere: the export (in pages, one snapshot), an inclusion proof
// of one entry, and one organisation's entries with their proofs, each against a freshly signed checkpoint.
import type { Db } from "../db/database.ts";
import { openCheckpoint, type Checkpoint } from "./audit-checkpoint.ts";
import { entryBytes, toExportedEntry, type StoredEntry } from "./audit-entry.ts";
import { auditErrors } from "./audit-errors.ts";
import { exportType, type ExportLine } from "./audit-export.ts";
import type { AuditSigningKey } from "./audit-signing-key.ts";
import type { CheckpointPublisher } from "./checkpoint-publisher.ts";
import {
  inclusionProof,
  organizationProofsFormat,
  type InclusionProof,
  type OrganizationAuditProofs,
} from "./inclusion-proof.ts";
import type { MerkleNodeStore } from "./merkle-node-store.ts";
import { leafHash, verifyInclusion } from "./merkle-tree.ts";
import type { WitnessFile } from "./witness-file.ts";

export interface ExportPage {
  lines: ExportLine[];
  /** The snapshot's size: pass it back with `afterSeq` for the next page. */
  treeSize: number;
  /** The `afterSeq` of the next page; null after the last. */
  next: number | null;
}

const entryColumns = ["seq", "at", "actor", "action", "target", "organization_id", "metadata"] as const;
const maxPage = 20_000;

export class AuditProver {
  readonly #db: Db;
  readonly #nodes: MerkleNodeStore;
  readonly #publisher: CheckpointPublisher;
  readonly #key: AuditSigningKey;
  readonly #witnessFile: WitnessFile;

  constructor(dependencies: {
    db: Db;
    nodes: MerkleNodeStore;
    publisher: CheckpointPublisher;
    key: AuditSigningKey;
    witnessFile: WitnessFile;
  }) {
    this.#db = dependencies.db;
    this.#nodes = dependencies.nodes;
    this.#publisher = dependencies.publisher;
    this.#key = dependencies.key;
    this.#witnessFile = dependencies.witnessFile;
  }

  /**
   * One page of the export. The first (no `treeSize`) signs a checkpoint of the whole log and carries
   * the header and every checkpoint up to it; the following ones carry entries of that snapshot only.
   */
  async exportPage(request: { treeSize?: number; afterSeq?: number; limit?: number }): Promise<ExportPage> {
    const lines: ExportLine[] = [];
    let treeSize = request.treeSize;
    if (treeSize === undefined) {
      const newest = await this.#publisher.checkpoint();
      treeSize = newest?.size ?? 0;
      lines.push({
        type: exportType,
        format: 1,
        origin: this.#key.name,
        verifier_key: this.#key.verifier.text,
        tree_size: treeSize,
        exported_at: new Date().toISOString(),
      });
      for (const checkpoint of await this.#checkpointsUpTo(treeSize)) {
        lines.push({ type: "checkpoint", note: checkpoint.note });
      }
    }
    if (!Number.isSafeInteger(treeSize) || treeSize < 0) throw auditErrors.invalidSeq();
    const afterSeq = request.afterSeq ?? 0;
    const limit = Math.min(Math.max(request.limit ?? maxPage, 1), maxPage);
    const rows = await this.#db
      .selectFrom("audit_entries")
      .select(entryColumns)
      .where("seq", ">", afterSeq)
      .where("seq", "<=", treeSize)
      .orderBy("seq")
      .limit(limit)
      .execute();
    for (const row of rows) lines.push({ type: "entry", ...toExportedEntry(row) });
    const last = rows.at(-1)?.seq ?? afterSeq;
    return { lines, treeSize, next: rows.length === limit && last < treeSize ? last : null };
  }

  /** Every signed checkpoint up to `size`, from the database and the witness file, each verified. */
  async #checkpointsUpTo(size: number): Promise<Checkpoint[]> {
    const rows = await this.#db
      .selectFrom("audit_checkpoints")
      .select("note")
      .where("tree_size", "<=", size)
      .execute();
    const { notes } = await this.#witnessFile.read();
    const bySize = new Map<string, Checkpoint>();
    for (const note of [...rows.map((row) => row.note), ...notes]) {
      const checkpoint = openCheckpoint(note, this.#key.verifier);
      // An unsigned copy stays out of the export; the export's verification would refuse it anyway.
      if (checkpoint && checkpoint.size <= size) {
        bySize.set(`${checkpoint.size}:${checkpoint.root.toString("hex")}`, checkpoint);
      }
    }
    return [...bySize.values()].sort((left, right) => left.size - right.size);
  }

  async prove(seq: number): Promise<InclusionProof> {
    if (!Number.isSafeInteger(seq) || seq < 1) throw auditErrors.invalidSeq();
    // The newest checkpoint, signed now if the log grew since the last one.
    const checkpoint = await this.#publisher.checkpoint();
    const row = await this.#db
      .selectFrom("audit_entries")
      .select(entryColumns)
      .where("seq", "=", seq)
      .executeTakeFirst();
    if (!row || !checkpoint || seq > checkpoint.size) throw auditErrors.entryNotFound(seq);
    const [path] = await this.#nodes.inclusionProofs([seq - 1], checkpoint.size);
    this.#check(row, path!, checkpoint);
    return inclusionProof(row, path!, checkpoint, this.#key.verifier.text);
  }

  /** For the organisation export: its entries, each with its path to one signed checkpoint. */
  async organizationProofs(organizationId: string): Promise<OrganizationAuditProofs> {
    const checkpoint = await this.#publisher.checkpoint();
    const size = checkpoint?.size ?? 0;
    const result: OrganizationAuditProofs = {
      format: organizationProofsFormat,
      verifier_key: this.#key.verifier.text,
      checkpoint: checkpoint?.note ?? "",
      tree_size: size,
      entries: [],
    };
    for (let after = 0; checkpoint;) {
      const rows = await this.#db
        .selectFrom("audit_entries")
        .select(entryColumns)
        .where("organization_id", "=", organizationId)
        .where("seq", ">", after)
        .where("seq", "<=", size)
        .orderBy("seq")
        .limit(1000)
        .execute();
      if (rows.length === 0) break;
      const paths = await this.#nodes.inclusionProofs(
        rows.map((row) => row.seq - 1),
        size,
      );
      rows.forEach((row, index) => {
        this.#check(row, paths[index]!, checkpoint);
        result.entries.push({
          entry: toExportedEntry(row),
          leaf_index: row.seq - 1,
          inclusion_path: paths[index]!.map((hash) => hash.toString("base64")),
        });
      });
      after = rows.at(-1)!.seq;
    }
    return result;
  }

  /** Never hand out a proof that does not hold: the stored tree or the entry was altered. */
  #check(row: StoredEntry, path: readonly Buffer[], checkpoint: Checkpoint): void {
    if (!verifyInclusion(row.seq - 1, checkpoint.size, leafHash(entryBytes(row)), path, checkpoint.root)) {
      throw auditErrors.notProvable(row.seq, checkpoint.size);
    }
  }
}
