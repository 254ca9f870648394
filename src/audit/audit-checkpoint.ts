// Checkpoints in the C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint): origin line,
// tree size, base64 root hash, as a signed note whose key name is the origin.
import type { KeyObject } from "node:crypto";
import { openNote, signNote, type NoteVerifier } from "./signed-note.ts";

export interface Checkpoint {
  origin: string;
  /** How many entries the tree holds: entries 1 to size. */
  size: number;
  root: Buffer;
  /** The signed note, exactly as published. */
  note: string;
  /**
   * Set on a restart: the checkpoint a restore of an older backup signs for the restored log (ISO time).
   * Checkpoints a witness held before it for larger trees are superseded (audit/witness-epochs.ts).
   */
  restartedAt?: string;
}

export function checkpointText(origin: string, size: number, root: Buffer, restartedAt?: string): string {
  // A restart is an extension line, which the format allows: a reader that knows none still reads a
  // true checkpoint of the restored tree.
  return `${origin}\n${size}\n${root.toString("base64")}\n${restartedAt ? `restart ${restartedAt}\n` : ""}`;
}

function parseCheckpointText(text: string): Omit<Checkpoint, "note"> | null {
  // Extension lines after the third are allowed by the format; this log writes only `restart <time>`.
  const [origin, size, root, extension] = text.split("\n");
  if (!origin || !size || root === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(size)) return null;
  const hash = Buffer.from(root, "base64");
  if (hash.length !== 32 || hash.toString("base64") !== root) return null;
  const count = Number(size);
  if (!Number.isSafeInteger(count)) return null;
  const restart = /^restart (\d{4}-\d\d-\d\dT[\d:.]+Z)$/.exec(extension ?? "")?.[1];
  return { origin, size: count, root: hash, ...(restart ? { restartedAt: restart } : {}) };
}

export function signCheckpoint(
  origin: string,
  size: number,
  root: Buffer,
  key: { name: string; privateKey: KeyObject },
  restartedAt?: string,
): Checkpoint {
  const note = signNote(checkpointText(origin, size, root, restartedAt), key.name, key.privateKey);
  return { origin, size, root, note, ...(restartedAt ? { restartedAt } : {}) };
}

/** The checkpoint a note holds, if `verifier` signed it for its own origin; null otherwise. */
export function openCheckpoint(note: string, verifier: NoteVerifier): Checkpoint | null {
  const text = openNote(note, verifier);
  if (text === null) return null;
  const parsed = parseCheckpointText(text);
  if (!parsed || parsed.origin !== verifier.name) return null;
  return { ...parsed, note };
}
