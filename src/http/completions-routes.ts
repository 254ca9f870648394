// POST /v1/completions: OpenAI's (legacy) text completion, whole or streamed, for any model that offers
// it. Registered inside the /v1 plugin, so the API key check there applies.
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { errors } from "../core/errors.ts";
import { publicToken } from "../core/ids.ts";
import type { CompletionObserver, CompletionRecord, RequestPolicy } from "../inference/completion-hooks.ts";
import type {
  ChatRequest,
  TextCompletionRequest,
  TextStreamPart,
  Usage,
} from "../inference/language-model.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import { checkParameters } from "../inference/parameter-support.ts";
import { streamOptions } from "./chat-completion-schema.ts";
import { beginModelCall } from "./completion-lifecycle.ts";
import { chunkFieldsOnce, writeJsonEventStream } from "./event-stream.ts";
import { requestBounds } from "./request-bounds.ts";

export const textCompletionBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    prompt: Type.Union([
      Type.String(),
      Type.Array(Type.String(), { minItems: 1, maxItems: requestBounds.prompts }),
    ]),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: streamOptions,
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 128 }), Type.Null()])),
    seed: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 }), Type.Null()])),
    store: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    user: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);

type TextCompletionBody = Static<typeof textCompletionBody>;

export interface CompletionsRoutesDependencies {
  models: ModelRouter;
  policies?: RequestPolicy[];
  observers?: CompletionObserver[];
}

/**
 * Policies and observers speak chat requests: they see a text completion as the same request with its
 * prompts as user messages, and the endpoint name says which API it came through.
 */
export function asChatRequest(body: { model: string; prompt: string | string[] }): ChatRequest {
  const prompts = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
  return { ...body, messages: prompts.map((prompt) => ({ role: "user", content: prompt })) };
}

export function completionsRoutes(dependencies: CompletionsRoutesDependencies) {
  const policies = dependencies.policies ?? [];
  const observers = dependencies.observers ?? [];
  return async function register(app: FastifyInstance): Promise<void> {
    app.post<{ Body: TextCompletionBody }>(
      "/completions",
      { schema: { body: textCompletionBody } },
      async (request, reply) => {
        const body = request.body as TextCompletionRequest & TextCompletionBody;
        const model = await dependencies.models.resolve(body.model, request.principal!.organizationId);
        const endpoint = "completions";
        if (!model.complete || !model.streamCompletion)
          throw errors.unsupportedEndpoint(model.id, "/v1/completions");
        checkParameters("completions", model.backend ?? "local", body);
        const call = await beginModelCall(
          request,
          reply,
          { policies, observers },
          { model: model.id, endpoint, request: asChatRequest(body), store: body.store !== false },
        );
        const id = `cmpl-${publicToken(24)}`;
        const created = Math.floor(call.startedAt.getTime() / 1000);
        const header = { id, object: "text_completion", created, model: model.id };
        if (!body.stream) {
          let result;
          try {
            result = await model.complete(body, { signal: call.signal });
          } catch (error) {
            call.report({ output: null, usage: null, status: "failed" });
            throw error;
          }
          call.report({ output: result.choices[0]?.text ?? null, usage: result.usage, status: "completed" });
          return {
            ...header,
            choices: result.choices.map((choice) => ({ logprobs: null, ...choice })),
            usage: result.usage,
            system_fingerprint: result.system_fingerprint ?? null,
            ...result.fields,
          };
        }
        const includeUsage = body.stream_options?.include_usage === true;
        // The envelope (our id and model, never the upstream's) is serialised once for all the events.
        const envelope = JSON.stringify({ ...header, choices: [] });
        const opening = envelope.slice(0, -"]}".length); // {"id":...,"choices":[
        const fieldsJson = chunkFieldsOnce();
        let output = "";
        let usage: Usage | null = null;
        let status: CompletionRecord["status"] = "failed";
        try {
          ({ status } = await writeJsonEventStream(
            request,
            reply,
            model.streamCompletion(body, { signal: call.signal }),
            (part: TextStreamPart) => {
              if (part.type === "usage") {
                usage = part.usage;
                return includeUsage ? `${opening}],"usage":${JSON.stringify(part.usage)}}` : null;
              }
              if (part.index === 0) output += part.text;
              const choice = {
                index: part.index,
                text: part.text,
                logprobs: part.logprobs ?? null,
                finish_reason: part.finishReason,
              };
              return `${opening}${JSON.stringify(choice)}]${fieldsJson(part.fields)}}`;
            },
          ));
        } finally {
          call.report({ output, usage, status });
        }
      },
    );
  };
}
