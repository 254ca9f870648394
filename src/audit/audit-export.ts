// The audit log export (JSON lines: a header, the signed checkpoints, then every entry) and its offline
// verification, which needs nothing but the export and the log's public key.
import { openCheckpoint, type Checkpoint } from "./audit-checkpoint.ts";
import { fromExportedEntry, type ExportedEntry } from "./audit-entry.ts";
import { auditErrors } from "./audit-errors.ts";
import { LogChecker, missing, range, type VerifyResult } from "./log-checker.ts";
import { parseVerifierKey } from "./signed-note.ts";

export const exportType = "custodian-audit-log";

export interface ExportHeader {
  type: typeof exportType;
  format: 1;
  origin: string;
  verifier_key: string;
  /** The export holds entries 1 to tree_size, and a checkpoint signed for exactly that size. */
  tree_size: number;
  exported_at: string;
}

export type ExportLine =
  ExportHeader | { type: "checkpoint"; note: string } | ({ type: "entry" } & ExportedEntry);

function refused(
  entries: number,
  checkpoints: number,
  seq: number,
  problem: string,
  lastSeq = seq,
): VerifyResult {
  return { ok: false, entries, checkpoints, seq, lastSeq, problem };
}

/**
 * Verify an export line by line with only the public key: every checkpoint's signature, every entry's
 * place, the root at every checkpoint's size, and that the newest checkpoint covers every entry.
 */
export async function verifyAuditExport(
  lines: AsyncIterable<string> | Iterable<string>,
  publicKey: string,
): Promise<VerifyResult> {
  const verifier = parseVerifierKey(publicKey);
  if (!verifier) throw auditErrors.invalidVerifierKey();
  let header: ExportHeader | null = null;
  const checkpoints: Checkpoint[] = [];
  let checker: LogChecker | null = null;
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === "") continue;
    let parsed: ExportLine;
    try {
      parsed = JSON.parse(line) as ExportLine;
    } catch {
      return refused(checker?.entries ?? 0, checkpoints.length, 0, `line ${number} is not JSON`);
    }
    if (!header) {
      if (parsed.type !== exportType || parsed.format !== 1 || !Number.isSafeInteger(parsed.tree_size)) {
        return refused(0, 0, 0, "the first line is not an audit log export header");
      }
      header = parsed;
      continue;
    }
    if (parsed.type === "checkpoint") {
      if (checker)
        return refused(
          checker.entries,
          checkpoints.length,
          0,
          `line ${number}: a checkpoint after the entries`,
        );
      const checkpoint = typeof parsed.note === "string" ? openCheckpoint(parsed.note, verifier) : null;
      if (!checkpoint) {
        return refused(
          0,
          checkpoints.length,
          0,
          `line ${number}: a checkpoint not signed by ${verifier.name}`,
        );
      }
      checkpoints.push(checkpoint);
      continue;
    }
    if (parsed.type !== "entry")
      return refused(
        checker?.entries ?? 0,
        checkpoints.length,
        0,
        `line ${number} is not a record of an export`,
      );
    checker ??= new LogChecker(checkpoints);
    let entry;
    try {
      entry = fromExportedEntry(parsed);
    } catch {
      return refused(
        checker.entries,
        checkpoints.length,
        checker.entries + 1,
        `line ${number} is not an audit entry`,
      );
    }
    const problem = checker.add(entry);
    if (problem) return { ok: false, entries: checker.entries, checkpoints: checkpoints.length, ...problem };
  }
  if (!header) return refused(0, 0, 0, "the file is empty");
  checker ??= new LogChecker(checkpoints);
  const problem = checker.finish();
  if (problem) return { ok: false, entries: checker.entries, checkpoints: checkpoints.length, ...problem };
  const size = checker.entries;
  if (size !== header.tree_size) {
    return refused(
      size,
      checkpoints.length,
      size + 1,
      `${missing(size + 1, header.tree_size)} from the export`,
      header.tree_size,
    );
  }
  if (size > 0 && checker.newest !== size) {
    const first = checker.newest + 1;
    const problem = `${range(first, size)} ${first === size ? "is" : "are"} covered by no signed checkpoint`;
    return refused(size, checkpoints.length, first, problem, size);
  }
  return { ok: true, entries: size, checkpoints: checkpoints.length, newestCheckpoint: checker.newest };
}
