// POST /v1/embeddings: vectors for one text or several, for any model that offers them, as floats or
// as base64 little-endian float32 (what the official client asks for by default). Registered inside the
// /v1 plugin, so the API key check there applies.
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { errors } from "../core/errors.ts";
import type { CompletionObserver, RequestPolicy } from "../inference/completion-hooks.ts";
import type { EmbeddingRequest } from "../inference/language-model.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import { createEmbeddings } from "../inference/model-call.ts";
import { requestContext } from "./completion-lifecycle.ts";
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

export function embeddingsRoutes(dependencies: EmbeddingsRoutesDependencies) {
  const policies = dependencies.policies ?? [];
  const observers = dependencies.observers ?? [];
  return async function register(app: FastifyInstance): Promise<void> {
    app.post<{ Body: EmbeddingBody }>(
      "/embeddings",
      { schema: { body: embeddingBody } },
      async (request, reply) =>
        // The same function the batch worker calls (inference/model-call.ts).
        createEmbeddings(
          { models: dependencies.models, policies, observers },
          requestContext(request, reply),
          request.body as EmbeddingRequest & EmbeddingBody,
          (id) => errors.unsupportedEndpoint(id, "/v1/embeddings"),
        ),
    );
  };
}
