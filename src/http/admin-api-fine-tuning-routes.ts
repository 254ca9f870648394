// /api/admin/fine-tuning/jobs: the organisation's fine-tuning jobs with their latest progress, for the
// admin console (the jobs themselves are made through /v1/fine_tuning/jobs with an API key).
import type { FastifyPluginAsync } from "fastify";
import type { FinetuneModule } from "../finetune/finetune-module.ts";
import { caller } from "./admin-api-permissions.ts";

export interface AdminFineTuningDependencies {
  fineTuning: Pick<FinetuneModule, "jobs">;
}

export function adminFineTuningRoutes(dependencies: AdminFineTuningDependencies): FastifyPluginAsync {
  const { jobs } = dependencies.fineTuning;
  return async (app) => {
    app.get("/api/admin/fine-tuning/jobs", { config: { permission: "projects.read" } }, async (request) => {
      const { organizationId } = caller(request);
      const { jobs: rows } = await jobs.list(organizationId, { limit: 50 });
      return {
        data: await Promise.all(
          rows.map(async (job) => {
            const { events } = await jobs.events(organizationId, job.id, { limit: 1 });
            const latest = events[0];
            return {
              id: job.id,
              model: job.model,
              status: job.status,
              fine_tuned_model: job.fine_tuned_model,
              trained_tokens: job.trained_tokens === null ? null : Number(job.trained_tokens),
              created_at: job.created_at.toISOString(),
              finished_at: job.finished_at?.toISOString() ?? null,
              // Progress facts only (epoch, step, loss); events never hold training text.
              latest: latest
                ? {
                    message: latest.message,
                    data: latest.data ? (JSON.parse(latest.data) as unknown) : null,
                    at: latest.created_at.toISOString(),
                  }
                : null,
            };
          }),
        ),
      };
    });
  };
}
