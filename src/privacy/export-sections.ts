// Export sections for the files and fine-tuning domains, written against the small shapes of their
// services (no import of those domains): uploaded files (contents on request), fine-tuning jobs with
// their events, and the organisation's fine-tuned models.
import { createHash } from "node:crypto";
import type { ExportSection } from "./export-organization.ts";
import { exportErrors } from "./export-errors.ts";

/** The most file content one export carries (before base64): it is built as one document in memory. */
export const maxExportContentBytes = 128 * 1024 * 1024;

/** Pages of the organisation's files, newest first, as the files domain lists them. */
export interface FileLister {
  list(
    organizationId: string,
    options: { after?: string; limit?: number },
  ): Promise<{
    files: Array<{ id: string; purpose: string; bytes: number; filename: string; createdAt: Date }>;
    hasMore: boolean;
  }>;
  /** A file's content, decrypted. */
  content(organizationId: string, id: string): Promise<Buffer>;
}

export interface JobRecord {
  id: string;
  model: string;
  training_file: string;
  validation_file: string | null;
  n_epochs: number;
  learning_rate_multiplier: number;
  batch_size: number;
  suffix: string | null;
  seed: number;
  status: string;
  error_code: string | null;
  error_message: string | null;
  error_param: string | null;
  fine_tuned_model: string | null;
  trained_tokens: number | null;
  created_at: Date;
  finished_at: Date | null;
}

export interface JobLister {
  list(
    organizationId: string,
    options: { after?: string; limit?: number },
  ): Promise<{ jobs: JobRecord[]; hasMore: boolean }>;
  /** A job's events, newest first, as the fine-tuning API lists them. */
  events(
    organizationId: string,
    id: string,
    options: { after?: string; limit?: number },
  ): Promise<{
    events: Array<{
      id: string;
      level: string;
      type: string;
      message: string;
      data: string | null;
      created_at: Date;
    }>;
    hasMore: boolean;
  }>;
}

export interface FineTunedModelLister {
  list(
    organizationId: string,
  ): Promise<
    Array<{ id: string; ownedBy: string; metadata?: Readonly<Record<string, string | number | boolean>> }>
  >;
}

async function allFiles(files: FileLister, organizationId: string) {
  const all = [];
  for (let after: string | undefined; ;) {
    const page = await files.list(organizationId, { limit: 1000, ...(after ? { after } : {}) });
    all.push(...page.files);
    if (!page.hasMore || page.files.length === 0) return all;
    after = page.files.at(-1)!.id;
  }
}

async function allJobs(jobs: JobLister, organizationId: string): Promise<JobRecord[]> {
  const all: JobRecord[] = [];
  for (let after: string | undefined; ;) {
    const page = await jobs.list(organizationId, { limit: 100, ...(after ? { after } : {}) });
    all.push(...page.jobs);
    if (!page.hasMore || page.jobs.length === 0) return all;
    after = page.jobs.at(-1)!.id;
  }
}

/** Files' metadata; with `includeContent`, each file's content (base64) and its SHA-256 as well. */
export function filesExportSection(files: FileLister): ExportSection {
  return {
    name: "files",
    async records(organizationId, options) {
      const listed = await allFiles(files, organizationId);
      if (options.includeContent) {
        const total = listed.reduce((sum, file) => sum + file.bytes, 0);
        if (total > maxExportContentBytes) throw exportErrors.contentTooLarge(total, maxExportContentBytes);
      }
      const records: Array<Record<string, unknown>> = [];
      for (const file of listed) {
        const record: Record<string, unknown> = {
          id: file.id,
          purpose: file.purpose,
          bytes: file.bytes,
          filename: file.filename,
          created_at: file.createdAt.toISOString(),
        };
        if (options.includeContent) {
          const content = await files.content(organizationId, file.id);
          record.content_sha256 = createHash("sha256").update(content).digest("hex");
          record.content_base64 = content.toString("base64");
        }
        records.push(record);
      }
      return records;
    },
  };
}

/** Every job with its hyperparameters, outcome and events (oldest first): what the job API shows. */
export function fineTuningJobsExportSection(jobs: JobLister): ExportSection {
  return {
    name: "fine_tuning_jobs",
    async records(organizationId) {
      const records: Array<Record<string, unknown>> = [];
      for (const job of await allJobs(jobs, organizationId)) {
        const events: Array<Record<string, unknown>> = [];
        for (let after: string | undefined; ;) {
          const page = await jobs.events(organizationId, job.id, {
            limit: 1000,
            ...(after ? { after } : {}),
          });
          for (const event of page.events) {
            events.push({
              id: event.id,
              level: event.level,
              type: event.type,
              message: event.message,
              data: event.data === null ? null : (JSON.parse(event.data) as unknown),
              created_at: event.created_at.toISOString(),
            });
          }
          if (!page.hasMore || page.events.length === 0) break;
          after = page.events.at(-1)!.id;
        }
        records.push({
          id: job.id,
          model: job.model,
          training_file: job.training_file,
          validation_file: job.validation_file,
          hyperparameters: {
            n_epochs: job.n_epochs,
            learning_rate_multiplier: job.learning_rate_multiplier,
            batch_size: job.batch_size,
          },
          suffix: job.suffix,
          seed: job.seed,
          status: job.status,
          error:
            job.error_code === null
              ? null
              : { code: job.error_code, message: job.error_message, param: job.error_param },
          error_code: job.error_code,
          fine_tuned_model: job.fine_tuned_model,
          trained_tokens: job.trained_tokens,
          created_at: job.created_at.toISOString(),
          finished_at: job.finished_at?.toISOString() ?? null,
          events: events.reverse(),
        });
      }
      return records;
    },
  };
}

/** The organisation's fine-tuned models: metadata only (never weights), with the job that made each. */
export function fineTunedModelsExportSection(models: FineTunedModelLister, jobs: JobLister): ExportSection {
  return {
    name: "fine_tuned_models",
    async records(organizationId) {
      const made = new Map<string, JobRecord>();
      for (const job of await allJobs(jobs, organizationId))
        if (job.fine_tuned_model) made.set(job.fine_tuned_model, job);
      return (await models.list(organizationId)).map((model) => {
        const job = made.get(model.id);
        return {
          id: model.id,
          owned_by: model.ownedBy,
          base_model: model.metadata?.base_model ?? null,
          job: job?.id ?? null,
          created_at: job?.finished_at?.toISOString() ?? null,
        };
      });
    },
  };
}
