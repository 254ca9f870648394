// /v1: the OpenAI-compatible API. Handlers stay thin: authenticate, validate, call the model, render.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Static } from "@sinclair/typebox";
import { errors } from "../core/errors.ts";
import { randomToken } from "../core/ids.ts";
import type { ApiKeyService, Principal } from "../identity/api-key-service.ts";
import type { AuthFailureSummary } from "../identity/auth-failure-summary.ts";
import type { ChatRequest, StreamPart, Usage } from "../inference/language-model.ts";
import type {
  Caller,
  CompletionObserver,
  CompletionRecord,
  RequestPolicy,
} from "../inference/completion-hooks.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import type { ModerationService } from "../privacy/moderation-service.ts";
import type { UsageReports } from "../usage/usage-reports.ts";
import { usageRoutes } from "../usage/usage-routes.ts";
import { chatCompletionBody } from "./chat-completion-schema.ts";
import { moderationRoutes } from "./moderations-routes.ts";
import { completionsRoutes } from "./completions-routes.ts";
import { embeddingsRoutes } from "./embeddings-routes.ts";
import { toErrorResponse } from "./error-handler.ts";

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

  function notify(record: CompletionRecord): void {
    for (const observer of observers) {
      try {
        observer.completed(record);
      } catch {
        // An observer's failure must never reach the client; observers log their own problems.
      }
    }
  }

  return async function register(app: FastifyInstance): Promise<void> {
    app.decorateRequest("principal", null);

    app.addHook("onRequest", async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) {
        authFailures.record("missing_api_key");
        throw errors.missingApiKey();
      }
      const principal = await apiKeys.authenticate(match[1]!);
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
    await app.register(completionsRoutes({ models, policies, observers }));
    await app.register(embeddingsRoutes({ models, policies, observers }));

    app.get("/models", async () => ({
      object: "list",
      data: models.list().map((model) => ({
        id: model.id,
        object: "model",
        created: createdAt,
        owned_by: model.ownedBy,
        // Custodian's own facts about a model, such as { demo: true } for the built-in demo model.
        ...(model.metadata ? { custodian: model.metadata } : {}),
      })),
    }));

    app.get<{ Params: { model: string } }>("/models/:model", async (request) => {
      const model = models.get(request.params.model);
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
        const model = models.get(body.model);
        const caller: Caller = request.principal!;
        const endpoint = "chat.completions";
        for (const policy of policies) {
          const admission = await policy.admit({ caller, model: model.id, endpoint, request: body });
          if (admission?.headers) void reply.headers(admission.headers);
        }
        const controller = new AbortController();
        // The client went away before we finished: stop the upstream work too.
        reply.raw.on("close", () => {
          if (!reply.raw.writableFinished) controller.abort();
        });
        const id = `chatcmpl-${randomToken(24)}`;
        const startedAt = new Date();
        const report = (outcome: Pick<CompletionRecord, "output" | "usage" | "status">) =>
          notify({
            requestId: request.id,
            caller,
            model: model.id,
            endpoint,
            request: body,
            store: body.store !== false,
            startedAt,
            durationMs: Date.now() - startedAt.getTime(),
            ...outcome,
          });
        const created = Math.floor(startedAt.getTime() / 1000);
        if (!body.stream) {
          let result;
          try {
            result = await model.generate(body, { signal: controller.signal });
          } catch (error) {
            report({ output: null, usage: null, status: controller.signal.aborted ? "cancelled" : "failed" });
            throw error;
          }
          const content = result.choices[0]?.message.content;
          report({
            output: typeof content === "string" ? content : null,
            usage: result.usage,
            status: "completed",
          });
          return {
            id,
            object: "chat.completion",
            created,
            model: model.id,
            choices: result.choices,
            usage: result.usage,
            system_fingerprint: result.system_fingerprint ?? null,
          };
        }
        let outcome: StreamOutcome = { output: null, usage: null, status: "failed" };
        try {
          outcome = await streamCompletion(request, reply, {
            parts: model.stream(body, { signal: controller.signal }),
            includeUsage: body.stream_options?.include_usage === true,
            header: { id, object: "chat.completion.chunk", created, model: model.id },
          });
        } finally {
          report(controller.signal.aborted ? { ...outcome, status: "cancelled" } : outcome);
        }
      },
    );
  };
}

type StreamOutcome = Pick<CompletionRecord, "output" | "usage" | "status">;

/**
 * Write a completion as server-sent events. The first part is awaited before any byte is sent, so an
 * upstream that refuses the request still gets a proper status code and error object.
 */
async function streamCompletion(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { parts: AsyncIterable<StreamPart>; includeUsage: boolean; header: Record<string, unknown> },
): Promise<StreamOutcome> {
  const iterator = options.parts[Symbol.asyncIterator]();
  let output = "";
  let usage: Usage | null = null;
  let status: StreamOutcome["status"] = "failed";
  let next = await iterator.next();
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  const send = (payload: unknown) => response.write(`data: ${JSON.stringify(payload)}\n\n`);
  try {
    while (!next.done) {
      const part = next.value;
      if (part.type === "delta") {
        if (part.index === 0 && typeof part.delta.content === "string") output += part.delta.content;
        send({
          ...options.header,
          choices: [
            {
              index: part.index,
              delta: part.delta,
              logprobs: part.logprobs ?? null,
              finish_reason: part.finishReason,
            },
          ],
        });
      } else {
        usage = part.usage;
        if (options.includeUsage) send({ ...options.header, choices: [], usage: part.usage });
      }
      if (response.destroyed) return { output, usage, status: "cancelled" };
      next = await iterator.next();
    }
    response.write("data: [DONE]\n\n");
    status = "completed";
  } catch (error) {
    if (!response.destroyed) {
      const failure = toErrorResponse(error, request.id);
      if (failure.status >= 500)
        request.log.error({ status: failure.status }, "stream failed after it started");
      send(failure.body);
    }
  } finally {
    await iterator.return?.();
    response.end();
  }
  return { output, usage, status };
}
