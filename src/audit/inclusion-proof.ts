// Inclusion proofs an organisation checks by itself: an entry, the exact bytes its leaf hashes, the
// RFC 6962 audit path to a signed checkpoint's root, and the log's public key.
import { openCheckpoint } from "./audit-checkpoint.ts";
import {
  entryBytes,
  fromExportedEntry,
  toExportedEntry,
  type ExportedEntry,
  type StoredEntry,
} from "./audit-entry.ts";
import { leafHash, verifyInclusion } from "./merkle-tree.ts";
import { parseVerifierKey } from "./signed-note.ts";

export const inclusionProofFormat = "custodian-audit-inclusion-proof/1";
export const organizationProofsFormat = "custodian-audit-organization-proofs/1";

export interface InclusionProof {
  format: typeof inclusionProofFormat;
  entry: ExportedEntry;
  /** The entry's bytes as UTF-8 text: its leaf hash is SHA-256(0x00 || these bytes). */
  leaf_input: string;
  /** seq - 1. */
  leaf_index: number;
  /** Base64. */
  leaf_hash: string;
  tree_size: number;
  /** Base64 hashes, the leaf's neighbour first (RFC 9162 section 2.1.3). */
  inclusion_path: string[];
  /** The signed checkpoint (C2SP note) whose root the path leads to. */
  checkpoint: string;
  verifier_key: string;
}

/** One organisation's entries, each with its path to one signed checkpoint. */
export interface OrganizationAuditProofs {
  format: typeof organizationProofsFormat;
  verifier_key: string;
  checkpoint: string;
  tree_size: number;
  entries: Array<{ entry: ExportedEntry; leaf_index: number; inclusion_path: string[] }>;
}

export function inclusionProof(
  row: StoredEntry,
  path: readonly Buffer[],
  checkpoint: { note: string; size: number },
  verifierKey: string,
): InclusionProof {
  const bytes = entryBytes(row);
  return {
    format: inclusionProofFormat,
    entry: toExportedEntry(row),
    leaf_input: bytes.toString("utf8"),
    leaf_index: row.seq - 1,
    leaf_hash: leafHash(bytes).toString("base64"),
    tree_size: checkpoint.size,
    inclusion_path: path.map((hash) => hash.toString("base64")),
    checkpoint: checkpoint.note,
    verifier_key: verifierKey,
  };
}

export type ProofCheck = { ok: true; seq: number; treeSize: number } | { ok: false; problem: string };

/**
 * Check one entry's proof with the public key the organisation trusts (not the one the proof names):
 * the checkpoint's signature, the entry's bytes, and the path from its leaf to the signed root.
 */
export function verifyEntryInclusion(
  entry: ExportedEntry,
  leafIndex: number,
  path: readonly string[],
  note: string,
  publicKey: string,
): ProofCheck {
  const verifier = parseVerifierKey(publicKey);
  if (!verifier) return { ok: false, problem: "the public key is not a verifier key" };
  const checkpoint = openCheckpoint(note, verifier);
  if (!checkpoint) return { ok: false, problem: `the checkpoint is not signed by ${verifier.name}` };
  let row: StoredEntry;
  try {
    row = fromExportedEntry(entry);
  } catch {
    return { ok: false, problem: "the entry does not have the shape of an audit entry" };
  }
  if (leafIndex !== row.seq - 1)
    return { ok: false, problem: `entry ${row.seq} is not at leaf ${leafIndex}` };
  const leaf = leafHash(entryBytes(row));
  const hashes = path.map((hash) => Buffer.from(hash, "base64"));
  if (!verifyInclusion(leafIndex, checkpoint.size, leaf, hashes, checkpoint.root)) {
    return {
      ok: false,
      problem: `entry ${row.seq} is not in the tree of ${checkpoint.size} entries the checkpoint signs`,
    };
  }
  return { ok: true, seq: row.seq, treeSize: checkpoint.size };
}

export function verifyInclusionProof(proof: InclusionProof, publicKey: string): ProofCheck {
  const check = verifyEntryInclusion(
    proof.entry,
    proof.leaf_index,
    proof.inclusion_path,
    proof.checkpoint,
    publicKey,
  );
  if (!check.ok) return check;
  // The bytes shown must be the entry's, so that a reader of `leaf_input` reads what was proven.
  if (proof.leaf_input !== entryBytes(fromExportedEntry(proof.entry)).toString("utf8")) {
    return { ok: false, problem: "leaf_input is not the entry's bytes" };
  }
  return check;
}
