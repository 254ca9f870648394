// Uploaded files, kept until their organisation deletes them (FT-2): content sealed under the file's own data key in the blob store, metadata in the
// database; every query is scoped by organisation here, so another organisation's id is simply not found.
import type { AuditLog } from "../audit/audit-log.ts";
import { errors } from "../core/errors.ts";
import { randomToken } from "../core/ids.ts";
import type { Binding } from "../crypto/aead.ts";
import { newDataKey, openDataKey, openWithDataKey, sealWithDataKey } from "../crypto/data-key.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { BlobStore } from "./blob-store.ts";
import {
  defaultFineTuneFileLimits,
  parseFineTuneFile,
  type FineTuneExample,
  type FineTuneFileLimits,
} from "./fine-tune-file.ts";
import { sql, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from "kysely";
import type { Database } from "../db/schema.ts";
import type { FilesTable } from "./file-tables.ts";
import { collectBytes, openChunks, sealChunks } from "./sealed-chunks.ts";

export const filePurposes = ["fine-tune", "assistants", "batch", "vision", "user_data", "evals"] as const;
export type FilePurpose = (typeof filePurposes)[number];
/** Purposes of files Custodian writes itself (a batch's output and errors); clients cannot upload them. */
export const systemFilePurposes = ["batch_output"] as const;

export interface StoredFile {
  id: string;
  organizationId: string;
  purpose: string;
  bytes: number;
  filename: string;
  createdAt: Date;
  /** When the file expires (its `expires_after`); null: kept until deleted. */
  expiresAt: Date | null;
}

/** OpenAI's range for a page of files; the default stays a page the caller can afford to decrypt. */
export const fileListLimits = { min: 1, max: 10_000, default: 100 } as const;

/** How many expired files one turn of the sweep selects at a time. */
const expiredBatch = 100;

const table = "files";

function place(id: string) {
  return { table, row: id };
}

function contentBinding(id: string, organization: string): Binding {
  return { table: "files.content", row: id, organization };
}

type FileCondition = (builder: ExpressionBuilder<Database, "files">) => Expression<SqlBool>;

/** Not yet expired at `now`: an expired file is answered as deleted before the sweep removes it. */
function unexpired(now: Date): FileCondition {
  return (builder) => builder.or([builder("expires_at", "is", null), builder("expires_at", ">", now)]);
}

function expired(now: Date): FileCondition {
  return (builder) => builder("expires_at", "<=", now);
}

export class FileService {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;
  readonly #blobs: BlobStore;
  readonly #limits: FineTuneFileLimits;

  constructor(dependencies: {
    db: Db;
    keyring: Keyring;
    audit: AuditLog;
    blobs: BlobStore;
    fineTuneLimits?: FineTuneFileLimits;
  }) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#audit = dependencies.audit;
    this.#blobs = dependencies.blobs;
    this.#limits = dependencies.fineTuneLimits ?? defaultFineTuneFileLimits;
  }

  /** The largest upload accepted, for the HTTP layer's multipart limit. */
  get maxBytes(): number {
    return this.#limits.maxBytes;
  }

  #scoped(organizationId: string) {
    return this.#db
      .selectFrom("files")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("stored", "=", true)
      .where(unexpired(new Date()));
  }

  async upload(input: {
    organizationId: string;
    purpose: string;
    filename: string;
    content: Buffer;
    actor: string;
    /** Written by Custodian itself: a system purpose is allowed and the size limit of uploads does not apply. */
    internal?: boolean;
    /** Seconds after its creation that the file expires (`expires_after`, already in range); none: never. */
    expiresAfterSeconds?: number | null;
  }): Promise<StoredFile> {
    const expiresAfter = input.expiresAfterSeconds ?? null;
    const allowed: readonly string[] = input.internal ? systemFilePurposes : filePurposes;
    if (!allowed.includes(input.purpose)) {
      throw errors.invalidRequest(`'purpose' must be one of: ${filePurposes.join(", ")}.`, "purpose");
    }
    if (!input.internal && input.content.length > this.#limits.maxBytes) {
      throw errors.invalidRequest(
        `A file may be at most ${this.#limits.maxBytes} bytes.`,
        "file",
        "file_too_large",
      );
    }
    // Checked on upload, so a bad file is refused while its author is still at hand.
    const examples =
      input.purpose === "fine-tune" ? parseFineTuneFile(input.content, this.#limits).length : null;
    const id = `file-${randomToken(24)}`;
    const organization = input.organizationId;
    const dataKey = await newDataKey(this.#keyring, organization, place(id));
    const blobKey = `files/${id}`;
    // The row first (not yet stored), then the content, then the mark: a crash at any point leaves
    // either nothing or an unstored row that `sweepUnstored` removes with its content.
    const row = await this.#db
      .insertInto("files")
      .values({
        id,
        organization_id: organization,
        purpose: input.purpose,
        bytes: input.content.length,
        filename: sealWithDataKey(
          dataKey.key,
          { table: "files.filename", row: id, organization },
          input.filename,
        ),
        wrapped_key: dataKey.wrapped,
        blob_key: blobKey,
        examples,
        stored: false,
        // From the same now() as created_at, so expires_at is created_at plus the seconds exactly.
        ...(expiresAfter === null
          ? {}
          : { expires_at: sql<Date>`now() + make_interval(secs => ${expiresAfter})` }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    try {
      await this.#blobs.write(
        blobKey,
        sealChunks(dataKey.key, contentBinding(id, organization), [input.content]),
      );
      await this.#db.updateTable("files").set({ stored: true }).where("id", "=", id).execute();
    } catch (error) {
      // The row goes with its content. Content that cannot be removed now keeps its row (never marked
      // stored): the sweep task removes both later, and reports it when it cannot.
      if (
        await this.#blobs.delete(blobKey).then(
          () => true,
          () => false,
        )
      )
        await this.#db.deleteFrom("files").where("id", "=", id).execute();
      throw error;
    }
    await this.#audit.append({
      actor: input.actor,
      action: "file.uploaded",
      target: id,
      organizationId: organization,
      metadata: {
        purpose: input.purpose,
        bytes: input.content.length,
        examples,
        ...(expiresAfter === null ? {} : { expiresAfterSeconds: expiresAfter }),
      },
    });
    return this.#toFile({ ...row, stored: true }, dataKey.key);
  }

  async #toFile(row: Selectable<FilesTable>, key?: Buffer): Promise<StoredFile> {
    const dataKey =
      key ?? (await openDataKey(this.#keyring, row.organization_id, place(row.id), row.wrapped_key));
    const filename = openWithDataKey(
      dataKey,
      { table: "files.filename", row: row.id, organization: row.organization_id },
      row.filename,
    ).toString("utf8");
    return {
      id: row.id,
      organizationId: row.organization_id,
      purpose: row.purpose,
      bytes: Number(row.bytes),
      filename,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  async #row(organizationId: string, id: string) {
    const row = await this.#scoped(organizationId).where("id", "=", id).executeTakeFirst();
    if (!row) throw errors.notFound("file", id);
    return row;
  }

  async get(organizationId: string, id: string): Promise<StoredFile> {
    return this.#toFile(await this.#row(organizationId, id));
  }

  /**
   * Newest first unless `order` is "asc" (by creation; `seq` breaks ties of one instant); `after` is
   * the id of the last file of the previous page, and the next page continues in the same direction.
   */
  async list(
    organizationId: string,
    options: { after?: string; limit?: number; purpose?: string; order?: "asc" | "desc" } = {},
  ): Promise<{ files: StoredFile[]; hasMore: boolean }> {
    const limit = options.limit ?? fileListLimits.default;
    if (!Number.isInteger(limit) || limit < fileListLimits.min || limit > fileListLimits.max) {
      throw errors.invalidRequest(
        `'limit' must be a whole number from ${fileListLimits.min} to ${fileListLimits.max}.`,
        "limit",
      );
    }
    const order = options.order ?? "desc";
    let query = this.#scoped(organizationId)
      .orderBy("seq", order)
      .limit(limit + 1);
    if (options.purpose) query = query.where("purpose", "=", options.purpose);
    if (options.after) {
      const cursor = await this.#row(organizationId, options.after);
      query = query.where("seq", order === "asc" ? ">" : "<", cursor.seq);
    }
    const rows = await query.execute();
    const files = await Promise.all(rows.slice(0, limit).map((row) => this.#toFile(row)));
    return { files, hasMore: rows.length > limit };
  }

  async content(organizationId: string, id: string): Promise<Buffer> {
    const row = await this.#row(organizationId, id);
    const key = await openDataKey(this.#keyring, organizationId, place(id), row.wrapped_key);
    return collectBytes(openChunks(key, contentBinding(id, organizationId), this.#blobs.read(row.blob_key)));
  }

  /**
   * The examples of a fine-tuning file of this organisation. The only way training data is read
   * (OWN-1): anything that is not a `fine-tune` file of `organizationId` is refused the same way,
   * so the answer reveals nothing about ids of other kinds or other organisations.
   */
  async fineTuneExamples(organizationId: string, id: string, param: string): Promise<FineTuneExample[]> {
    await this.assertFineTuneFile(organizationId, id, param);
    return parseFineTuneFile(await this.content(organizationId, id), this.#limits);
  }

  /** Refuses (400, naming `param`) any id that is not a `fine-tune` file of this organisation. */
  async assertFineTuneFile(organizationId: string, id: string, param: string): Promise<void> {
    const row = await this.#scoped(organizationId)
      .where("id", "=", id)
      .where("purpose", "=", "fine-tune")
      .executeTakeFirst();
    if (!row) {
      throw errors.invalidRequest(
        `'${param}' must be the id of a file with purpose 'fine-tune' uploaded by this organisation.`,
        param,
        `invalid_${param}`,
      );
    }
  }

  /**
   * Removes uploads a crash interrupted: rows never marked stored, older than `olderThanMs` (an
   * upload may be in flight on another node), with whatever content they had reached. Returns how many.
   */
  async sweepUnstored(olderThanMs: number): Promise<number> {
    const rows = await this.#db
      .selectFrom("files")
      .select(["id", "blob_key"])
      .where("stored", "=", false)
      .where("created_at", "<", new Date(Date.now() - olderThanMs))
      .execute();
    // Content first, then the row: a removal that fails throws (the sweep task reports it) and leaves
    // the row, so the next turn tries again rather than leaving content no row points to.
    for (const row of rows) {
      await this.#blobs.delete(row.blob_key);
      await this.#db.deleteFrom("files").where("id", "=", row.id).where("stored", "=", false).execute();
    }
    return rows.length;
  }

  /** Destroys the file's key with its row, then removes its sealed content (FT-2). An expired file is not found. */
  async delete(organizationId: string, id: string, actor: string): Promise<void> {
    if (!(await this.#destroy(organizationId, id, actor, "client", unexpired(new Date()))))
      throw errors.notFound("file", id);
  }

  /**
   * Deletes every file expired by `now` through the same path as a client's delete (key, row, content,
   * audit entry), oldest expiry first. A removal that fails throws, so the periodic task reports it and
   * the next turn finds the rest. Returns how many it deleted.
   */
  async deleteExpired(now = new Date()): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows = await this.#db
        .selectFrom("files")
        .select(["id", "organization_id"])
        .where("stored", "=", true)
        .where("expires_at", "<=", now)
        .orderBy("expires_at")
        .limit(expiredBatch)
        .execute();
      for (const row of rows) {
        // Another node's turn or the client may have deleted it first: then it is simply gone.
        if (await this.#destroy(row.organization_id, row.id, "system", "expired", expired(now))) deleted += 1;
      }
      if (rows.length < expiredBatch) return deleted;
    }
  }

  /** The one deletion path: the row with its wrapped key, the key's cache, the content, then the audit entry. */
  async #destroy(
    organizationId: string,
    id: string,
    actor: string,
    reason: "client" | "expired",
    condition: FileCondition,
  ): Promise<boolean> {
    const row = await this.#db
      .deleteFrom("files")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where(condition)
      .returning(["blob_key", "bytes", "purpose"])
      .executeTakeFirst();
    if (!row) return false;
    this.#keyring.destroyed(organizationId, [place(id)]);
    await this.#blobs.delete(row.blob_key);
    await this.#audit.append({
      actor,
      action: "file.deleted",
      target: id,
      organizationId,
      metadata: {
        purpose: row.purpose,
        bytes: Number(row.bytes),
        ...(reason === "expired" ? { reason } : {}),
      },
    });
    return true;
  }
}
