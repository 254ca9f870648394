// /v1/fine_tuning/jobs (create, list, retrieve, cancel, events) and DELETE /v1/models/{id} for an
// organisation's own fine-tuned models, in OpenAI's shapes.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../core/errors.ts";
import type { AccessModule } from "../access/access-module.ts";
import type { FinetuneModule } from "../finetune/finetune-module.ts";
import type { EventRow, JobRow } from "../finetune/fine-tuning-jobs.ts";

export interface FineTuningRoutesDependencies {
  fineTuning: Pick<FinetuneModule, "jobs" | "models">;
  /** CTL-2: the "fine_tuning" switch closes /v1/fine_tuning/* for the caller's key when off. */
  features?: Pick<AccessModule, "requireKeyFeature">;
  /** Whether the id names one of the installation's shared models, which no API key may delete. */
  isSharedModel?: (id: string) => boolean;
}

const auto = Type.Literal("auto");
const hyperparameters = Type.Object({
  n_epochs: Type.Optional(Type.Union([auto, Type.Integer()])),
  learning_rate_multiplier: Type.Optional(Type.Union([auto, Type.Number()])),
  batch_size: Type.Optional(Type.Union([auto, Type.Integer()])),
});
/** Fields of a job request this server reads; any other is refused with a 400 naming it. */
const known = new Set([
  "model",
  "training_file",
  "validation_file",
  "hyperparameters",
  "method",
  "suffix",
  "seed",
]);
const createJobBody = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 256 }),
  training_file: Type.String({ minLength: 1, maxLength: 128 }),
  validation_file: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
  hyperparameters: Type.Optional(hyperparameters),
  method: Type.Optional(
    Type.Object({
      type: Type.String({ maxLength: 64 }),
      supervised: Type.Optional(
        Type.Union([Type.Object({ hyperparameters: Type.Optional(hyperparameters) }), Type.Null()]),
      ),
    }),
  ),
  suffix: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  seed: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
});

const pageQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$" })),
});

function seconds(date: Date | null): number | null {
  return date ? Math.floor(date.getTime() / 1000) : null;
}

function jobObject(job: JobRow) {
  return {
    id: job.id,
    object: "fine_tuning.job",
    created_at: seconds(job.created_at),
    finished_at: seconds(job.finished_at),
    model: job.model,
    fine_tuned_model: job.fine_tuned_model,
    organization_id: job.organization_id,
    status: job.status,
    training_file: job.training_file,
    validation_file: job.validation_file,
    hyperparameters: {
      n_epochs: job.n_epochs,
      learning_rate_multiplier: job.learning_rate_multiplier,
      batch_size: job.batch_size,
    },
    method: {
      type: "supervised",
      supervised: {
        hyperparameters: {
          n_epochs: job.n_epochs,
          learning_rate_multiplier: job.learning_rate_multiplier,
          batch_size: job.batch_size,
        },
      },
    },
    trained_tokens: job.trained_tokens === null ? null : Number(job.trained_tokens),
    error: job.error_code
      ? { code: job.error_code, message: job.error_message ?? "", param: job.error_param }
      : null,
    result_files: [],
    seed: job.seed,
    suffix: job.suffix,
    estimated_finish: null,
    integrations: null,
  };
}

function eventObject(event: EventRow) {
  return {
    id: event.id,
    object: "fine_tuning.job.event",
    created_at: seconds(event.created_at),
    level: event.level,
    type: event.type,
    message: event.message,
    data: event.data ? (JSON.parse(event.data) as unknown) : null,
  };
}

function callerOf(request: FastifyRequest): { organizationId: string; actor: string } {
  const principal = request.principal;
  if (!principal) throw errors.missingApiKey();
  return { organizationId: principal.organizationId, actor: principal.keyId };
}

function callerKey(request: FastifyRequest): { organizationId: string; keyId: string } {
  const { organizationId, actor } = callerOf(request);
  return { organizationId, keyId: actor };
}

/**
 * OpenAI lists jobs filtered by `metadata[key]=value`; jobs here carry no metadata (a create refuses it),
 * so such a filter is refused rather than ignored, which would list every job as matching.
 */
function refuseMetadataFilter(query: object): void {
  for (const key of Object.keys(query))
    if (key === "metadata" || key.startsWith("metadata["))
      throw errors.invalidRequest(
        `Unsupported parameter '${key}': fine-tuning jobs carry no metadata to filter on.`,
        key,
        "unsupported_parameter",
      );
}

function page(query: Static<typeof pageQuery>) {
  return {
    ...(query.after ? { after: query.after } : {}),
    ...(query.limit ? { limit: Number(query.limit) } : {}),
  };
}

export function fineTuningRoutes(dependencies: FineTuningRoutesDependencies) {
  const { jobs, models } = dependencies.fineTuning;
  const { features } = dependencies;
  return async function register(app: FastifyInstance): Promise<void> {
    app.addHook("onRequest", async (request) => {
      if (features && request.routeOptions.url?.startsWith("/v1/fine_tuning/"))
        await features.requireKeyFeature(callerKey(request), "fine_tuning");
    });
    app.post<{ Body: Static<typeof createJobBody> }>(
      "/fine_tuning/jobs",
      { schema: { body: createJobBody } },
      async (request) => {
        const { organizationId, actor } = callerOf(request);
        const body = request.body;
        for (const field of Object.keys(body)) {
          if (!known.has(field) && (body as Record<string, unknown>)[field] != null)
            throw errors.invalidRequest(
              `Unsupported parameter '${field}' for fine-tuning jobs.`,
              field,
              "unsupported_parameter",
            );
        }
        const job = await jobs.create({
          organizationId,
          actor,
          model: body.model,
          trainingFile: body.training_file,
          validationFile: body.validation_file ?? null,
          ...(body.hyperparameters ? { hyperparameters: body.hyperparameters } : {}),
          ...(body.method ? { method: body.method } : {}),
          suffix: body.suffix ?? null,
          seed: body.seed ?? null,
        });
        return jobObject(job);
      },
    );

    app.get<{ Querystring: Static<typeof pageQuery> }>(
      "/fine_tuning/jobs",
      { schema: { querystring: pageQuery } },
      async (request) => {
        const { organizationId } = callerOf(request);
        refuseMetadataFilter(request.query);
        const { jobs: rows, hasMore } = await jobs.list(organizationId, page(request.query));
        return { object: "list", data: rows.map(jobObject), has_more: hasMore };
      },
    );

    app.get<{ Params: { id: string } }>("/fine_tuning/jobs/:id", async (request) => {
      const { organizationId } = callerOf(request);
      return jobObject(await jobs.get(organizationId, request.params.id));
    });

    app.post<{ Params: { id: string } }>("/fine_tuning/jobs/:id/cancel", async (request) => {
      const { organizationId, actor } = callerOf(request);
      return jobObject(await jobs.cancel(organizationId, request.params.id, actor));
    });

    app.get<{ Params: { id: string }; Querystring: Static<typeof pageQuery> }>(
      "/fine_tuning/jobs/:id/events",
      { schema: { querystring: pageQuery } },
      async (request) => {
        const { organizationId } = callerOf(request);
        const { events, hasMore } = await jobs.events(organizationId, request.params.id, page(request.query));
        return { object: "list", data: events.map(eventObject), has_more: hasMore };
      },
    );

    app.delete<{ Params: { model: string } }>("/models/:model", async (request) => {
      const { organizationId, actor } = callerOf(request);
      if (dependencies.isSharedModel?.(request.params.model)) {
        throw errors.forbidden(
          `The model '${request.params.model}' is one of this installation's base models: only fine-tuned models your organisation owns can be deleted.`,
          "model_not_deletable",
        );
      }
      await models.delete(organizationId, request.params.model, actor);
      return { id: request.params.model, object: "model", deleted: true };
    });
  };
}
