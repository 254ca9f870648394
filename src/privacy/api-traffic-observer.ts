// After each /v1 completion, off the hot path: classify it (metadata only) and, unless zero data
// retention or `store: false` applies, keep its content sealed for abuse monitoring until it expires.
import type { Logger } from "pino";
import { randomToken } from "../core/ids.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { CompletionObserver, CompletionRecord } from "../inference/completion-hooks.ts";
import { mergeClassifications, type Classification, type Classifier } from "./classifier.ts";
import { completionText } from "./completion-text.ts";
import { stricter, type PrivacyAdmission } from "./privacy-admission.ts";
import type { PrivacySettingsService } from "./privacy-settings-service.ts";
import "./privacy-tables.ts";

const dayMs = 86_400_000;
/**
 * Beyond this many waiting completions new ones are not recorded (counted and logged instead): a
 * slow database must not grow memory without bound, and dropping a record is the private failure.
 */
const maxQueued = 10_000;

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
  readonly #queue: CompletionRecord[] = [];
  #draining: Promise<void> | null = null;
  #dropped = 0;

  constructor(dependencies: ApiTrafficObserverDependencies) {
    this.#dependencies = dependencies;
  }

  completed(record: CompletionRecord): void {
    if (this.#queue.length >= maxQueued) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push(record);
    this.#draining ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#drain())
      .finally(() => {
        this.#draining = null;
      });
  }

  /** Resolves when everything queued so far has been handled (tests; shutdown). */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    for (let record = this.#queue.shift(); record; record = this.#queue.shift()) {
      try {
        await this.#handle(record);
      } catch (error) {
        // The error's name and code only: a database error can quote the values it was given.
        this.#dependencies.logger.warn(
          {
            requestId: record.requestId,
            error: error instanceof Error ? error.name : "unknown",
            code: (error as { code?: unknown } | null)?.code ?? null,
          },
          "could not record an API completion",
        );
      }
    }
    if (this.#dropped > 0) {
      this.#dependencies.logger.warn({ dropped: this.#dropped }, "API completions not recorded: queue full");
      this.#dropped = 0;
    }
  }

  async #classify(record: CompletionRecord): Promise<Classification | null> {
    const text = completionText(record.request, record.output);
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

  async #handle(record: CompletionRecord): Promise<void> {
    const { db, keyring, settings } = this.#dependencies;
    const { organizationId, projectId, keyId } = record.caller;
    const classification = await this.#classify(record);
    const privacy = stricter(
      await settings.effective(organizationId, projectId),
      this.#dependencies.admission?.admitted(record.request),
    );
    // API-2: under ZDR, `store: false` or a zero retention period, no content goes anywhere durable.
    const keep = !privacy.zdr && record.store && privacy.retentionDays > 0;
    const now = new Date();
    let recordId: string | null = null;
    if (keep) {
      recordId = `apirec_${randomToken(24)}`;
      const content = await keyring.seal(
        organizationId,
        { table: "api_records", row: recordId },
        JSON.stringify({ request: record.request, output: record.output }),
      );
      const flagged = classification?.flagged ?? false;
      await db
        .insertInto("api_records")
        .values({
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
        })
        .execute();
    }
    if (classification) {
      await db
        .insertInto("api_classifications")
        .values({
          id: `cls_${randomToken(24)}`,
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
        })
        .execute();
    }
  }
}
