// Export sections for the files and fine-tuning domains, written against the small shapes of their
// services (no import of those domains): uploaded files' metadata, fine-tuning jobs, fine-tuned models.
import type { ExportSection } from "./export-organization.ts";

/** Pages of the organisation's files, newest first, as the files domain lists them. */
export interface FileLister {
  list(
    organizationId: string,
    options: { after?: string; limit?: number },
  ): Promise<{
    files: Array<{ id: string; purpose: string; bytes: number; filename: string; createdAt: Date }>;
    hasMore: boolean;
  }>;
}

export interface JobLister {
  list(
    organizationId: string,
    options: { after?: string; limit?: number },
  ): Promise<{
    jobs: Array<{
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
      fine_tuned_model: string | null;
      trained_tokens: number | null;
      created_at: Date;
      finished_at: Date | null;
    }>;
    hasMore: boolean;
  }>;
}

export interface FineTunedModelLister {
  list(organizationId: string): Promise<Array<{ id: string; ownedBy: string }>>;
}

/** Files' metadata (never their contents: those are exported through the files API itself). */
export function filesExportSection(files: FileLister): ExportSection {
  return {
    name: "files",
    async records(organizationId) {
      const records: Array<Record<string, unknown>> = [];
      for (let after: string | undefined; ;) {
        const page = await files.list(organizationId, { limit: 1000, ...(after ? { after } : {}) });
        for (const file of page.files) {
          records.push({
            id: file.id,
            purpose: file.purpose,
            bytes: file.bytes,
            filename: file.filename,
            created_at: file.createdAt.toISOString(),
          });
        }
        if (!page.hasMore || page.files.length === 0) return records;
        after = page.files.at(-1)!.id;
      }
    },
  };
}

export function fineTuningJobsExportSection(jobs: JobLister): ExportSection {
  return {
    name: "fine_tuning_jobs",
    async records(organizationId) {
      const records: Array<Record<string, unknown>> = [];
      for (let after: string | undefined; ;) {
        const page = await jobs.list(organizationId, { limit: 100, ...(after ? { after } : {}) });
        for (const job of page.jobs) {
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
            error_code: job.error_code,
            fine_tuned_model: job.fine_tuned_model,
            trained_tokens: job.trained_tokens,
            created_at: job.created_at.toISOString(),
            finished_at: job.finished_at?.toISOString() ?? null,
          });
        }
        if (!page.hasMore || page.jobs.length === 0) return records;
        after = page.jobs.at(-1)!.id;
      }
    },
  };
}

export function fineTunedModelsExportSection(models: FineTunedModelLister): ExportSection {
  return {
    name: "fine_tuned_models",
    async records(organizationId) {
      return (await models.list(organizationId)).map((model) => ({ id: model.id, owned_by: model.ownedBy }));
    },
  };
}
