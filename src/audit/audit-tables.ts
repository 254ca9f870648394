// The audit log's tables (migrations 0001-foundation and 0900-audit-transparency-log): its entries, the
// Merkle tree's stored subtrees, and the signed checkpoints (copies: the originals live outside).
import type { Generated } from "kysely";

export interface AuditEntriesTable {
  seq: Generated<number>;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  organization_id: string | null;
  /** JSON of scalar facts; these exact characters are part of the entry's leaf. */
  metadata: string;
}

/** Every perfect subtree of the tree: level 0 holds the leaf hashes, level l covers 2^l entries. */
export interface AuditTreeNodesTable {
  level: number;
  position: number;
  hash: Buffer;
}

/** A copy of each signed checkpoint, for exports and for other nodes; never trusted unsigned. */
export interface AuditCheckpointsTable {
  tree_size: number;
  root_hash: Buffer;
  /** The C2SP signed note, as published. */
  note: string;
  at: Date;
}

declare module "../db/schema.ts" {
  interface Database {
    audit_entries: AuditEntriesTable;
    audit_tree_nodes: AuditTreeNodesTable;
    audit_checkpoints: AuditCheckpointsTable;
  }
}
