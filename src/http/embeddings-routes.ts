// POST /v1/embeddings: vectors for one text or several, for any model that offers them, as floats or
// as base64 little-endian float32 (what the official client asks for by default). Registered inside the
// /v1 plugin, so the API key check there applies.
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { errors } from "../core/errors.ts";
import type { CompletionObserver, RequestPolicy } from "../inference/completion-hooks.ts";
import type { EmbeddingRequest } from "../inference/language-model.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import { checkParameters } from "../inference/parameter-support.ts";
import { beginModelCall } from "./completion-lifecycle.ts";
import { requestBounds } from "./request-bounds.ts";

export const embeddingBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    input: Type.Union([
      Type.String(),
      Type.Array(Type.String(), { minItems: 1, maxItems: requestBounds.embeddingInputs }),
      Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }),
      Type.Array(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }), {
        minItems: 1,
        maxItems: requestBounds.embeddingInputs,
      }),
    ]),
    encoding_format: Type.Optional(Type.Union([Type.Literal("float"), Type.Literal("base64")])),
    dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
    user: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);

type EmbeddingBody = Static<typeof embeddingBody>;

export interface EmbeddingsRoutesDependencies {
  models: ModelRouter;
  policies?: RequestPolicy[];
  observers?: CompletionObserver[];
}

function toBase64(vector: number[]): string {
  return Buffer.from(Float32Array.from(vector).buffer).toString("base64");
}

export function embeddingsRoutes(dependencies: EmbeddingsRoutesDependencies) {
  const policies = dependencies.policies ?? [];
  const observers = dependencies.observers ?? [];
  return async function register(app: FastifyInstance): Promise<void> {
    app.post<{ Body: EmbeddingBody }>(
      "/embeddings",
      { schema: { body: embeddingBody } },
      async (request, reply) => {
        const body = request.body as EmbeddingRequest & EmbeddingBody;
        const model = await dependencies.models.resolve(body.model, request.principal!.organizationId);
        if (!model.embed) throw errors.unsupportedEndpoint(model.id, "/v1/embeddings");
        checkParameters("embeddings", model.backend ?? "local", body);
        const endpoint = "embeddings";
        const texts =
          typeof body.input === "string"
            ? [body.input]
            : (body.input as unknown[]).filter((item): item is string => typeof item === "string");
        // Policies and observers speak chat requests: they see the texts as user messages.
        const chatView = {
          ...body,
          messages: texts.map((text) => ({ role: "user" as const, content: text })),
        };
        const call = await beginModelCall(
          request,
          reply,
          { policies, observers },
          { model: model.id, endpoint, request: chatView, store: body.store !== false },
        );
        let result;
        try {
          result = await model.embed(body, { signal: call.signal });
        } catch (error) {
          call.report({ output: null, usage: null, status: "failed" });
          throw error;
        }
        call.report({
          output: null,
          usage: {
            prompt_tokens: result.usage.prompt_tokens,
            completion_tokens: 0,
            total_tokens: result.usage.total_tokens,
          },
          status: "completed",
        });
        const base64 = body.encoding_format === "base64";
        return {
          object: "list",
          data: result.data.map((item) => ({
            object: "embedding",
            index: item.index,
            embedding: base64 && Array.isArray(item.embedding) ? toBase64(item.embedding) : item.embedding,
          })),
          model: model.id,
          usage: result.usage,
        };
      },
    );
  };
}
