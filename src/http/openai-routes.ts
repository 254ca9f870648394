// /v1: the OpenAI-compatible API (PLAT-1). Handlers stay thin: authenticate, validate, call the model, render.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Static } from "@sinclair/typebox";
import { adminKeyPrefix } from "../compliance/admin-key-service.ts";
import { CustodianError, errors } from "../core/errors.ts";
import { publicToken } from "../core/ids.ts";
import type { ApiKeyService, Principal } from "../identity/api-key-service.ts";
import type { AuthFailureSummary } from "../identity/auth-failure-summary.ts";
import type { ChatRequest, StreamPart, Usage } from "../inference/language-model.ts";
import type { CompletionObserver, RequestPolicy } from "../inference/completion-hooks.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import type { ModerationService } from "../privacy/moderation-service.ts";
import type { UsageReports } from "../usage/usage-reports.ts";
import { usageRoutes } from "./usage-routes.ts";
import { chatCompletionBody } from "./chat-completion-schema.ts";
import { checkParameters } from "../inference/parameter-support.ts";
import { moderationRoutes } from "./moderations-routes.ts";
import { completionsRoutes } from "./completions-routes.ts";
import { embeddingsRoutes } from "./embeddings-routes.ts";
import { beginModelCall, type Outcome } from "./completion-lifecycle.ts";
import { generateChatCompletion } from "../inference/model-call.ts";
import { chunkFieldsOnce, writeJsonEventStream } from "./event-stream.ts";
import { filesRoutes, type FilesRoutesDependencies } from "./files-routes.ts";
import { fineTuningRoutes, type FineTuningRoutesDependencies } from "./fine-tuning-routes.ts";
import { responsesRoutes, type ResponsesRoutesDependencies } from "./responses-routes.ts";
import { batchesRoutes } from "./batches-routes.ts";
import { vectorStoresRoutes } from "./vector-stores-routes.ts";
import type { DocumentLibrary } from "../documents/document-types.ts";
import type { BatchService } from "../batches/batch-service.ts";

export interface OpenAIRoutesDependencies {
  apiKeys: ApiKeyService;
  authFailures: AuthFailureSummary;
  models: ModelRouter;
  /** Asked in order before any model work; the first to throw refuses the request. */
  policies?: RequestPolicy[];
  /** Told about every finished completion, after the response. */
  observers?: CompletionObserver[];
  /** Serves POST /v1/moderations when given. */
  moderation?: ModerationService;
  /** Serves GET /v1/organization/usage/completions when given. */
  usageReports?: UsageReports;
  /** Serves /v1/files when given. */
  files?: FilesRoutesDependencies["files"];
  /** Serves /v1/fine_tuning/jobs and DELETE /v1/models/{id} when given. */
  fineTuning?: FineTuningRoutesDependencies["fineTuning"];
  /** The feature switches ("file_upload", "fine_tuning") that apply to an API key (CTL-2). */
  keyFeatures?: FilesRoutesDependencies["features"];
  /** Serves /v1/responses when given. */
  responses?: ResponsesRoutesDependencies["responses"];
  /** Serves /v1/batches when given. */
  batches?: BatchService;
  /** Serves /v1/vector_stores when given, with `files` (issue 20). */
  documents?: DocumentLibrary;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const createdAt = Math.floor(Date.now() / 1000);

export function openAIRoutes(dependencies: OpenAIRoutesDependencies) {
  const { apiKeys, authFailures, models } = dependencies;
  const policies = dependencies.policies ?? [];
  const observers = dependencies.observers ?? [];

  return async function register(app: FastifyInstance): Promise<void> {
    app.decorateRequest("principal", null);

    app.addHook("onRequest", async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) {
        authFailures.record("missing_api_key");
        throw errors.missingApiKey();
      }
      // An admin key manages the organisation (/v1/organization/audit_logs...) and calls no model.
      if (match[1]!.startsWith(adminKeyPrefix)) {
        throw errors.forbidden(
          "An admin API key cannot call this endpoint: use a project API key.",
          "admin_key_not_allowed",
        );
      }
      // Given the address, wrong keys are throttled (429 with retry-after past the limit).
      const principal = await apiKeys.authenticate(match[1]!, request.ip).catch((error: unknown) => {
        // A refused attempt past the throttle is still a failed authentication: bursts keep paging.
        if (error instanceof CustodianError && error.status === 429) authFailures.record("throttled_api_key");
        throw error;
      });
      if (!principal) {
        authFailures.record("invalid_api_key");
        throw errors.invalidApiKey();
      }
      if (principal.permission === "read_only" && request.method !== "GET" && request.method !== "HEAD") {
        throw errors.forbidden(
          "This API key is read-only: it may list and read, not create.",
          "read_only_key",
        );
      }
      request.principal = principal;
    });

    // Inside this plugin, so the API key check above applies to it too.
    if (dependencies.moderation) await app.register(moderationRoutes(dependencies.moderation));
    if (dependencies.usageReports) await app.register(usageRoutes(dependencies.usageReports));
    const features = dependencies.keyFeatures ? { features: dependencies.keyFeatures } : {};
    if (dependencies.files) await app.register(filesRoutes({ files: dependencies.files, ...features }));
    if (dependencies.fineTuning)
      await app.register(
        fineTuningRoutes({
          fineTuning: dependencies.fineTuning,
          ...features,
          // A base model still being prepared (the demo model's first build) is one too.
          isSharedModel: (id) =>
            models.list().some((model) => model.id === id) ||
            models.preparing().some((model) => model.id === id),
        }),
      );
    if (dependencies.batches) await app.register(batchesRoutes(dependencies.batches));
    if (dependencies.documents && dependencies.files)
      await app.register(
        vectorStoresRoutes({
          library: dependencies.documents,
          files: dependencies.files,
          ...features,
          observers,
        }),
      );
    await app.register(completionsRoutes({ models, policies, observers }));
    await app.register(embeddingsRoutes({ models, policies, observers }));
    if (dependencies.responses)
      await app.register(responsesRoutes({ models, policies, observers, responses: dependencies.responses }));

    app.get("/models", async (request) => ({
      object: "list",
      // The shared models and the caller's organisation's own fine-tuned ones (CTL-3).
      data: (await models.listFor(request.principal!.organizationId)).map((model) => ({
        id: model.id,
        object: "model",
        created: createdAt,
        owned_by: model.ownedBy,
        // Custodian's own facts about a model, such as { demo: true } for the built-in demo model.
        ...(model.metadata ? { custodian: model.metadata } : {}),
      })),
    }));

    app.get<{ Params: { model: string } }>("/models/:model", async (request) => {
      const model = await models.resolve(request.params.model, request.principal!.organizationId);
      return {
        id: model.id,
        object: "model",
        created: createdAt,
        owned_by: model.ownedBy,
        ...(model.metadata ? { custodian: model.metadata } : {}),
      };
    });

    app.post<{ Body: Static<typeof chatCompletionBody> }>(
      "/chat/completions",
      { schema: { body: chatCompletionBody } },
      async (request, reply) => {
        const body = request.body as ChatRequest & Static<typeof chatCompletionBody>;
        const model = await models.resolve(body.model, request.principal!.organizationId);
        checkParameters("chat.completions", model.backend ?? "local", body);
        const call = await beginModelCall(
          request,
          reply,
          { policies, observers },
          { model: model.id, endpoint: "chat.completions", request: body, store: body.store !== false },
        );
        // Whole: the same function the batch worker calls (inference/model-call.ts).
        if (!body.stream) return generateChatCompletion(model, call, body);
        const header = {
          id: `chatcmpl-${publicToken(24)}`,
          created: Math.floor(call.startedAt.getTime() / 1000),
          model: model.id,
        };
        const includeUsage = body.stream_options?.include_usage === true;
        // Every chunk has the same envelope, with our id and model (never the upstream's): serialised
        // once, so each event stringifies only its choice.
        const envelope = JSON.stringify({ ...header, object: "chat.completion.chunk", choices: [] });
        const opening = envelope.slice(0, -"]}".length); // {"id":...,"choices":[
        const fieldsJson = chunkFieldsOnce();
        let output = "";
        let usage: Usage | null = null;
        let status: Outcome["status"] = "failed";
        try {
          ({ status } = await writeJsonEventStream(
            request,
            reply,
            model.stream(body, { signal: call.signal }),
            (part: StreamPart) => {
              if (part.type === "usage") {
                usage = part.usage;
                return includeUsage ? `${opening}],"usage":${JSON.stringify(part.usage)}}` : null;
              }
              if (part.index === 0 && typeof part.delta.content === "string") output += part.delta.content;
              return `${opening}${choiceJson(part)}]${fieldsJson(part.fields)}}`;
            },
          ));
        } finally {
          call.report({ output, usage, status });
        }
      },
    );
  };
}

type DeltaPart = Extract<StreamPart, { type: "delta" }>;

/**
 * A part's choice as JSON, as JSON.stringify writes it. Most parts of a stream carry only the next text:
 * those are written around the text's own JSON, without building and walking an object per part.
 */
function choiceJson(part: DeltaPart): string {
  const { index, delta, logprobs, finishReason } = part;
  if (typeof index === "number" && (logprobs === undefined || logprobs === null) && onlyContent(delta)) {
    return `{"index":${index},"delta":{"content":${JSON.stringify(delta.content)}},"logprobs":null,"finish_reason":${JSON.stringify(finishReason)}}`;
  }
  return JSON.stringify({ index, delta, logprobs: logprobs ?? null, finish_reason: finishReason });
}

/** Whether a delta is `{ content: "..." }` and nothing else. */
function onlyContent(delta: DeltaPart["delta"]): delta is { content: string } {
  let keys = 0;
  for (const key in delta) {
    if (key !== "content") return false;
    keys += 1;
  }
  return keys === 1 && typeof delta.content === "string";
}
