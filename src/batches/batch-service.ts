// Batches of one project: create (the input file checked up front), retrieve, list and cancel, in OpenAI's
// shapes. Every query is scoped by organisation and project here, so another project's batch is simply
// not found (404). The work itself is done by the batch worker (batch-worker.ts).
import type { Selectable } from "kysely";
import { CustodianError, errors } from "../core/errors.ts";
import { publicToken } from "../core/ids.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import { expirySeconds } from "../files/file-expiry.ts";
import type { FileService } from "../files/file-service.ts";
import type { Caller } from "../inference/completion-hooks.ts";
import { batchEndpoints, parseBatchInput, type BatchEndpoint } from "./batch-input.ts";
import type { BatchesTable } from "./batch-tables.ts";

export type BatchRow = Selectable<BatchesTable>;

/** The one completion window OpenAI offers. */
export const completionWindowMs = 24 * 3_600_000;

export interface CreateBatch {
  inputFileId: string;
  endpoint: string;
  completionWindow: string;
  metadata?: Record<string, string> | null;
  /** `output_expires_after` as given: `{ anchor: "created_at", seconds }`. */
  outputExpiresAfter?: unknown;
}

const seconds = (date: Date | null) => (date ? Math.floor(date.getTime() / 1000) : null);

/** `output_expires_after`'s seconds, or null when none; refused (400) when malformed, before anything is written. */
function checkOutputExpiry(given: unknown): number | null {
  if (given === undefined || given === null) return null;
  const value = typeof given === "object" && !Array.isArray(given) ? (given as Record<string, unknown>) : {};
  return expirySeconds(value.anchor, value.seconds, "output_expires_after");
}

function checkMetadata(metadata: unknown): Record<string, string> | null {
  if (metadata === undefined || metadata === null) return null;
  const entries = typeof metadata === "object" && !Array.isArray(metadata) ? Object.entries(metadata) : null;
  if (
    !entries ||
    entries.length > 16 ||
    entries.some(([key, value]) => key.length > 64 || typeof value !== "string" || value.length > 512)
  ) {
    throw errors.invalidRequest(
      "'metadata' must be at most 16 pairs of keys (64 characters) and string values (512 characters).",
      "metadata",
    );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export class BatchService {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #files: FileService;
  /** Told when a batch is created or cancelled here, so the local worker looks at once. */
  onChange: () => void = () => undefined;

  constructor(dependencies: { db: Db; keyring: Keyring; files: FileService }) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#files = dependencies.files;
  }

  #scoped(caller: Pick<Caller, "organizationId" | "projectId">) {
    return this.#db
      .selectFrom("batches")
      .selectAll()
      .where("organization_id", "=", caller.organizationId)
      .where("project_id", "=", caller.projectId);
  }

  async #row(caller: Caller, id: string): Promise<BatchRow> {
    const row = await this.#scoped(caller).where("id", "=", id).executeTakeFirst();
    if (!row) throw errors.notFound("batch", id);
    return row;
  }

  async create(caller: Caller, input: CreateBatch): Promise<BatchRow> {
    if (!(batchEndpoints as readonly string[]).includes(input.endpoint)) {
      throw errors.invalidRequest(`'endpoint' must be one of: ${batchEndpoints.join(", ")}.`, "endpoint");
    }
    if (input.completionWindow !== "24h") {
      throw errors.invalidRequest("'completion_window' must be '24h'.", "completion_window");
    }
    const metadata = checkMetadata(input.metadata);
    const outputExpiresAfter = checkOutputExpiry(input.outputExpiresAfter);
    const organization = caller.organizationId;
    const file = await this.#files.get(organization, input.inputFileId).catch((error: unknown) => {
      if (error instanceof CustodianError && error.status === 404) return null;
      throw error;
    });
    if (!file || file.purpose !== "batch") {
      throw errors.invalidRequest(
        "'input_file_id' must be the id of a file with purpose 'batch' uploaded by this organisation.",
        "input_file_id",
        "invalid_input_file_id",
      );
    }
    const parsed = parseBatchInput(
      await this.#files.content(organization, file.id),
      input.endpoint as BatchEndpoint,
    );
    const id = `batch_${publicToken(24)}`;
    const now = new Date();
    const refused = parsed.errors.length > 0;
    const row = await this.#db
      .insertInto("batches")
      .values({
        id,
        organization_id: organization,
        project_id: caller.projectId,
        key_id: caller.keyId,
        endpoint: input.endpoint,
        input_file_id: file.id,
        completion_window: input.completionWindow,
        output_expires_after: outputExpiresAfter,
        status: refused ? "failed" : "in_progress",
        metadata: metadata
          ? await this.#keyring.seal(organization, { table: "batches", row: id }, JSON.stringify(metadata))
          : null,
        errors: refused ? JSON.stringify(parsed.errors) : null,
        total: parsed.lines.length,
        created_at: now,
        expires_at: new Date(now.getTime() + completionWindowMs),
        in_progress_at: refused ? null : now,
        failed_at: refused ? now : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (!refused) this.onChange();
    return row;
  }

  async get(caller: Caller, id: string): Promise<BatchRow> {
    return this.#row(caller, id);
  }

  /** Newest first; `after` is the id of the last batch of the previous page. */
  async list(
    caller: Caller,
    options: { after?: string; limit?: number } = {},
  ): Promise<{ batches: BatchRow[]; hasMore: boolean }> {
    const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
    let query = this.#scoped(caller)
      .orderBy("seq", "desc")
      .limit(limit + 1);
    if (options.after) {
      const cursor = await this.#row(caller, options.after);
      query = query.where("seq", "<", cursor.seq);
    }
    const rows = await query.execute();
    return { batches: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /** Every batch of an organisation, all projects, oldest first (the organisation export, OWN-2). */
  async ofOrganization(organizationId: string): Promise<BatchRow[]> {
    return this.#db
      .selectFrom("batches")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .orderBy("seq")
      .execute();
  }

  /** Cancelling at once; the worker finishes what is in flight, writes what is done, and marks it cancelled. */
  async cancel(caller: Caller, id: string): Promise<BatchRow> {
    const row = await this.#row(caller, id);
    if (row.status === "cancelling" || row.status === "cancelled") return row;
    const updated = await this.#db
      .updateTable("batches")
      .set({ status: "cancelling", cancelling_at: new Date() })
      .where("id", "=", row.id)
      .where("status", "in", ["validating", "in_progress"])
      .returningAll()
      .executeTakeFirst();
    if (!updated) {
      throw errors.invalidRequest(
        `A batch that is ${row.status} cannot be cancelled.`,
        null,
        "batch_not_cancellable",
      );
    }
    this.onChange();
    return updated;
  }

  /** The batch in OpenAI's shape. */
  async toObject(row: BatchRow): Promise<Record<string, unknown>> {
    const metadata = row.metadata
      ? (JSON.parse(
          (
            await this.#keyring.open(row.organization_id, { table: "batches", row: row.id }, row.metadata)
          ).toString("utf8"),
        ) as Record<string, string>)
      : null;
    const listed = typeof row.errors === "string" ? (JSON.parse(row.errors) as unknown) : row.errors;
    return {
      id: row.id,
      object: "batch",
      endpoint: row.endpoint,
      errors: listed ? { object: "list", data: listed } : null,
      input_file_id: row.input_file_id,
      completion_window: row.completion_window,
      status: row.status,
      output_file_id: row.output_file_id,
      error_file_id: row.error_file_id,
      created_at: seconds(row.created_at),
      in_progress_at: seconds(row.in_progress_at),
      expires_at: seconds(row.expires_at),
      finalizing_at: seconds(row.finalizing_at),
      completed_at: seconds(row.completed_at),
      failed_at: seconds(row.failed_at),
      expired_at: seconds(row.expired_at),
      cancelling_at: seconds(row.cancelling_at),
      cancelled_at: seconds(row.cancelled_at),
      request_counts: { total: row.total, completed: row.completed, failed: row.failed },
      metadata,
    };
  }
}
