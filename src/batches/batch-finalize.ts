// Finishing a batch: its sealed results become the output file (requests that succeeded) and the error
// file (requests that failed, and those left undone when the batch expired or was cancelled), stored like
// every file (sealed by the organisation's key, purpose `batch_output`); the results rows then go.
import { publicToken } from "../core/ids.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { FileService } from "../files/file-service.ts";
import type { BatchLine } from "./batch-input.ts";
import type { BatchRow } from "./batch-service.ts";
import type { BatchStatus } from "./batch-tables.ts";

export const hourMs = 3_600_000;

/** Today's API privacy rules of a project (API-1, API-2). */
export type RetentionRules = (
  organizationId: string,
  projectId: string,
) => Promise<{ retentionDays: number; zdr: boolean }>;

export function resultPlace(batchId: string, line: number) {
  return { table: "batch_results", row: `${batchId}:${line}` };
}

/**
 * How long the output and error files are kept: the project's API retention (API-1) from the end of the
 * batch. Under zero data retention, or a retention of zero days, one hour: long enough to fetch them once.
 * A batch's `output_expires_after` shortens that (never lengthens it: retention is the organisation's).
 */
export async function outputExpiry(rules: RetentionRules, row: BatchRow, now: Date): Promise<Date> {
  const { retentionDays, zdr } = await rules(row.organization_id, row.project_id);
  const retainedMs = zdr || retentionDays <= 0 ? hourMs : retentionDays * 24 * hourMs;
  const askedMs = row.output_expires_after === null ? Infinity : row.output_expires_after * 1000;
  return new Date(now.getTime() + Math.min(retainedMs, askedMs));
}

const undoneErrors: Partial<Record<BatchStatus, { code: string; message: string }>> = {
  expired: {
    code: "batch_expired",
    message: "This request could not be executed before the completion window expired.",
  },
  cancelled: { code: "batch_cancelled", message: "This request was not executed: the batch was cancelled." },
};

function finishedAt(status: "completed" | "expired" | "cancelled" | "failed", now: Date) {
  if (status === "completed") return { completed_at: now };
  if (status === "expired") return { expired_at: now };
  if (status === "cancelled") return { cancelled_at: now };
  return { failed_at: now };
}

export async function finalizeBatch(
  dependencies: { db: Db; keyring: Keyring; files: FileService; rules: RetentionRules },
  row: BatchRow,
  /** Every request of the input, to list those never run; empty when the input could not be read. */
  lines: readonly BatchLine[],
  status: "completed" | "expired" | "cancelled" | "failed",
  actor: string,
): Promise<void> {
  const { db, keyring, files } = dependencies;
  const organization = row.organization_id;
  const results = await db
    .selectFrom("batch_results")
    .select(["line", "ok", "content"])
    .where("batch_id", "=", row.id)
    .orderBy("line")
    .execute();
  const output: string[] = [];
  const failures: string[] = [];
  const done = new Set<number>();
  for (const result of results) {
    done.add(result.line);
    const text = (
      await keyring.open(organization, resultPlace(row.id, result.line), result.content)
    ).toString("utf8");
    (result.ok ? output : failures).push(text);
  }
  const undone = undoneErrors[status];
  if (undone) {
    for (const line of lines) {
      if (done.has(line.index)) continue;
      failures.push(
        JSON.stringify({
          id: `batch_req_${publicToken(24)}`,
          custom_id: line.customId,
          response: null,
          error: undone,
        }),
      );
    }
  }
  const now = new Date();
  const expiresAt = await outputExpiry(dependencies.rules, row, now);
  // The files carry the same expiry, so that they report it (`expires_at`) and are refused once it passes.
  const expiresAfterSeconds = Math.ceil((expiresAt.getTime() - now.getTime()) / 1000);
  const store = async (kind: "output" | "error", texts: string[]) =>
    texts.length === 0
      ? null
      : (
          await files.upload({
            organizationId: organization,
            purpose: "batch_output",
            filename: `${row.id}_${kind}.jsonl`,
            content: Buffer.from(texts.join("\n") + "\n", "utf8"),
            actor,
            internal: true,
            expiresAfterSeconds,
          })
        ).id;
  const outputFileId = await store("output", output);
  const errorFileId = await store("error", failures);
  await db
    .updateTable("batches")
    .set({
      status,
      output_file_id: outputFileId,
      error_file_id: errorFileId,
      ...finishedAt(status, now),
      output_expires_at: outputFileId || errorFileId ? expiresAt : null,
      worker_id: null,
      heartbeat_at: null,
    })
    .where("id", "=", row.id)
    .execute();
  // The results now live in the sealed files only.
  await db.deleteFrom("batch_results").where("batch_id", "=", row.id).execute();
}

/** Deletes output and error files past the API retention (API-1). Returns how many batches it cleared. */
export async function purgeBatchOutputs(db: Db, files: FileService): Promise<number> {
  const rows = await db
    .selectFrom("batches")
    .select(["id", "organization_id", "output_file_id", "error_file_id"])
    .where("output_expires_at", "<", new Date())
    .execute();
  for (const row of rows) {
    for (const fileId of [row.output_file_id, row.error_file_id]) {
      if (!fileId) continue;
      // Already deleted by the organisation: nothing left to do.
      await files.delete(row.organization_id, fileId, "system").catch((error: unknown) => {
        if ((error as { status?: unknown }).status !== 404) throw error;
      });
    }
    await db.updateTable("batches").set({ output_expires_at: null }).where("id", "=", row.id).execute();
  }
  return rows.length;
}
