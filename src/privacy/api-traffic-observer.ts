// After each /v1 completion, off the hot path: classify it (metadata only, API-3) and, unless zero data
// retention or `store: false` applies (API-2), keep its content sealed for abuse monitoring until it
// expires (API-1).
import type { Insertable } from "kysely";
import type { Logger } from "pino";
import { BackgroundQueue, errorFields } from "../core/background-queue.ts";
import { timeOrderedId } from "../core/ids.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { batchInsert } from "../db/batch-insert.ts";
import type { Db } from "../db/database.ts";
import type { CompletionObserver, CompletionRecord } from "../inference/completion-hooks.ts";
import { mergeClassifications, type Classification, type Classifier } from "./classifier.ts";
import { completionText } from "./completion-text.ts";
import { stricter, type PrivacyAdmission } from "./privacy-admission.ts";
import type { EffectivePrivacy, PrivacySettingsService } from "./privacy-settings-service.ts";
import type { ApiClassificationsTable, ApiRecordsTable } from "./privacy-tables.ts";

const dayMs = 86_400_000;
/**
 * Beyond this many waiting completions new ones are not recorded (counted and logged instead): a
 * slow database must not grow memory without bound, and dropping a record is the private failure.
 */
const maxQueued = 10_000;
/** How long the first completion of a batch waits for others to join it. */
const drainDelayMs = 100;
/** Completions written per transaction. */
const batchSize = 500;

/** Every column each row gives, in one order, so the batch statements' text is built once (db/batch-insert.ts). */
const recordColumns = [
  "id",
  "organization_id",
  "project_id",
  "key_id",
  "request_id",
  "endpoint",
  "model",
  "status",
  "prompt_tokens",
  "completion_tokens",
  "content",
  "flagged",
  "review_status",
  "created_at",
  "expires_at",
] as const satisfies ReadonlyArray<keyof ApiRecordsTable>;
const classificationColumns = [
  "id",
  "organization_id",
  "project_id",
  "request_id",
  "record_id",
  "classifier",
  "flagged",
  "categories",
  "scores",
  "created_at",
] as const satisfies ReadonlyArray<keyof ApiClassificationsTable>;

interface Rows {
  record?: Insertable<ApiRecordsTable>;
  classification?: Insertable<ApiClassificationsTable>;
}

export interface ApiTrafficObserverDependencies {
  db: Db;
  keyring: Keyring;
  settings: PrivacySettingsService;
  /** The rules fixed when each request was admitted; the stricter of those and today's applies. */
  admission?: PrivacyAdmission;
  classifiers: Classifier[];
  logger: Logger;
}

export class ApiTrafficObserver implements CompletionObserver {
  readonly #dependencies: ApiTrafficObserverDependencies;
  // The first completion of a batch waits a moment for others, so that completions arriving together
  // share one transaction even at modest rates instead of each paying for its own write.
  readonly #queue: BackgroundQueue<CompletionRecord>;

  constructor(dependencies: ApiTrafficObserverDependencies) {
    this.#dependencies = dependencies;
    this.#queue = new BackgroundQueue({
      maxQueued,
      batchSize,
      delayMs: drainDelayMs,
      handle: (batch) => this.#record(batch),
      failed: (error, batch) =>
        dependencies.logger.warn(
          { completions: batch.length, ...errorFields(error) },
          "could not record API completions",
        ),
      dropped: (count) =>
        dependencies.logger.warn({ dropped: count }, "API completions not recorded: queue full"),
    });
  }

  completed(record: CompletionRecord): void {
    this.#queue.push(record);
  }

  /** Resolves when everything queued so far has been handled (tests; shutdown). */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /**
   * One batch: classified and sealed in memory, then written with one insert per table in one
   * transaction, so a busy server writes a few statements a second rather than several per request.
   */
  async #record(batch: CompletionRecord[]): Promise<void> {
    // Today's settings, read once per project for the whole batch.
    const settings = new Map<string, Promise<EffectivePrivacy>>();
    const effective = (organizationId: string, projectId: string) => {
      const key = `${organizationId}\n${projectId}`;
      let found = settings.get(key);
      if (!found)
        settings.set(key, (found = this.#dependencies.settings.effective(organizationId, projectId)));
      return found;
    };
    await this.#write(await Promise.all(batch.map((record) => this.#rows(record, effective))));
  }

  async #write(rows: Rows[]): Promise<void> {
    const records = rows.flatMap((row) => (row.record ? [row.record] : []));
    const classifications = rows.flatMap((row) => (row.classification ? [row.classification] : []));
    if (records.length === 0 && classifications.length === 0) return;
    await this.#dependencies.db.transaction().execute(async (transaction) => {
      await batchInsert(transaction, "api_records", recordColumns, records);
      await batchInsert(transaction, "api_classifications", classificationColumns, classifications);
    });
  }

  async #classify(record: CompletionRecord): Promise<Classification | null> {
    const text = completionText(record.request, record.output);
    // Nothing to classify (the library's embedding calls are reported as tokens only): no row at all.
    if (text.length === 0) return null;
    const results: Classification[] = [];
    for (const classifier of this.#dependencies.classifiers) {
      try {
        results.push(await classifier.classify(text));
      } catch (error) {
        this.#dependencies.logger.warn(
          { requestId: record.requestId, classifier: classifier.name, error: (error as Error).name },
          "classifier failed",
        );
      }
    }
    return results.length > 0
      ? mergeClassifications(results.map((result) => result.classifier).join("+"), results)
      : null;
  }

  /** What one completion leaves behind: its sealed record (unless it may not be kept) and its metadata. */
  async #rows(
    record: CompletionRecord,
    effective: (organizationId: string, projectId: string) => Promise<EffectivePrivacy>,
  ): Promise<Rows> {
    const { keyring } = this.#dependencies;
    const { organizationId, projectId, keyId } = record.caller;
    const classification = await this.#classify(record);
    const privacy = stricter(
      await effective(organizationId, projectId),
      this.#dependencies.admission?.admitted(record.request),
    );
    // API-2: under ZDR, `store: false` or a zero retention period, no content goes anywhere durable.
    const keep = !privacy.zdr && record.store && privacy.retentionDays > 0;
    const now = new Date();
    let recordId: string | null = null;
    const rows: Rows = {};
    if (keep) {
      recordId = timeOrderedId("apirec");
      const content = await keyring.seal(
        organizationId,
        { table: "api_records", row: recordId },
        JSON.stringify({ request: record.request, output: record.output }),
      );
      const flagged = classification?.flagged ?? false;
      rows.record = {
        id: recordId,
        organization_id: organizationId,
        project_id: projectId,
        key_id: keyId,
        request_id: record.requestId,
        endpoint: record.endpoint,
        model: record.model,
        status: record.status,
        prompt_tokens: record.usage?.prompt_tokens ?? null,
        completion_tokens: record.usage?.completion_tokens ?? null,
        content,
        flagged,
        review_status: flagged ? "pending" : "none",
        created_at: now,
        expires_at: new Date(now.getTime() + privacy.retentionDays * dayMs),
      };
    }
    if (classification) {
      rows.classification = {
        id: timeOrderedId("cls"),
        organization_id: organizationId,
        project_id: projectId,
        request_id: record.requestId,
        record_id: recordId,
        classifier: classification.classifier,
        flagged: classification.flagged,
        categories: JSON.stringify(
          Object.entries(classification.categories)
            .filter(([, on]) => on)
            .map(([category]) => category),
        ),
        scores: JSON.stringify(classification.scores),
        created_at: now,
      };
    }
    return rows;
  }

  /**
   * What was kept of these requests (the live trust probes' canaries, PLAT-2): each kept record's expiry
   * and each classification's categories and score names. Metadata only, never content.
   */
  async trace(
    organizationId: string,
    requestIds: readonly string[],
  ): Promise<{
    records: Array<{ requestId: string; expiresAt: Date; createdAt: Date }>;
    classifications: Array<{ requestId: string; categories: string[]; scores: string[] }>;
  }> {
    if (requestIds.length === 0) return { records: [], classifications: [] };
    const { db } = this.#dependencies;
    const records = await db
      .selectFrom("api_records")
      .select(["request_id", "expires_at", "created_at"])
      .where("organization_id", "=", organizationId)
      .where("request_id", "in", [...requestIds])
      .execute();
    const classifications = await db
      .selectFrom("api_classifications")
      .select(["request_id", "categories", "scores"])
      .where("organization_id", "=", organizationId)
      .where("request_id", "in", [...requestIds])
      .execute();
    const parse = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);
    return {
      records: records.map((row) => ({
        requestId: row.request_id,
        expiresAt: row.expires_at,
        createdAt: row.created_at,
      })),
      classifications: classifications.map((row) => ({
        requestId: row.request_id,
        categories: (parse(row.categories) as string[]).map(String),
        scores: Object.keys(parse(row.scores) as Record<string, unknown>),
      })),
    };
  }
}
