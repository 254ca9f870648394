// Runs one request of a batch as the live /v1 route would, without HTTP: the body is checked against the
// route's own schema, then the route's own function runs it (inference/model-call.ts for chat completions
// and embeddings, responses/response-call.ts for responses) with the batch's key as the caller, so
// policies, classifiers, metering, limits, private-model rules and stored-response rules all apply. Any
// refusal becomes the status and OpenAI error body the live route would have answered.
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { errors } from "../core/errors.ts";
import type { BatchEndpoint } from "../batches/batch-input.ts";
import type { BatchRequestRunner } from "../batches/batch-request-runner.ts";
import type { Caller } from "../inference/completion-hooks.ts";
import type { ChatRequest, EmbeddingRequest } from "../inference/language-model.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import { chatCompletion, createEmbeddings, type CallHooks } from "../inference/model-call.ts";
import { createResponse, type ResponseCallDependencies } from "../responses/response-call.ts";
import { chatCompletionBody } from "./chat-completion-schema.ts";
import { embeddingBody } from "./embeddings-routes.ts";
import { toErrorResponse } from "./error-handler.ts";
import { responseBody } from "./responses-routes.ts";

/** "/messages/0/role" -> "messages[0].role", as the live route names a bad field. */
function param(path: string): string | null {
  const parts = path.split("/").filter(Boolean);
  if (parts.length === 0) return null;
  return parts.reduce(
    (joined, part) => (/^\d+$/.test(part) ? `${joined}[${part}]` : joined ? `${joined}.${part}` : part),
    "",
  );
}

function check(schema: TSchema, body: Record<string, unknown>): void {
  const first = Value.Errors(schema, body).First();
  // The schema's own wording (field and rule), never the value.
  if (first) throw errors.invalidRequest(`Invalid body: ${first.message}.`, param(first.path));
}

/** A batch answers whole: a streamed request is refused as OpenAI refuses it. */
function refuseStreaming(body: Record<string, unknown>): void {
  if (body.stream === true) throw errors.invalidRequest("Streaming is not supported in batches.", "stream");
}

export interface BatchRunnerDependencies extends CallHooks {
  models: ModelRouter;
  /** The stored responses and the rules a /v1/responses line is kept under, as the live route's. */
  responses: Pick<ResponseCallDependencies, "store" | "admitted" | "fileSearch">;
  /** Whether the batch's key still stands (not revoked): a revoked key's requests are refused as live ones are. */
  keyActive?: (caller: Caller) => Promise<boolean>;
}

export function batchRunner(dependencies: BatchRunnerDependencies): BatchRequestRunner {
  return {
    async run(caller, endpoint: BatchEndpoint, body, { requestId, signal }) {
      const context = { caller, requestId, signal };
      try {
        if (dependencies.keyActive && !(await dependencies.keyActive(caller))) throw errors.invalidApiKey();
        if (endpoint === "/v1/chat/completions") {
          check(chatCompletionBody, body);
          refuseStreaming(body);
          return {
            statusCode: 200,
            body: await chatCompletion(dependencies, context, body as unknown as ChatRequest),
          };
        }
        if (endpoint === "/v1/responses") {
          check(responseBody, body);
          refuseStreaming(body);
          // The live route's own function: a line's response is kept (sealed) or not under its rules.
          const { models, policies, observers, responses } = dependencies;
          const call = {
            models,
            policies,
            observers,
            store: responses.store,
            admitted: responses.admitted,
            ...(responses.fileSearch ? { fileSearch: responses.fileSearch } : {}),
          };
          return { statusCode: 200, body: await createResponse(call, context, body) };
        }
        check(embeddingBody, body);
        return {
          statusCode: 200,
          body: await createEmbeddings(dependencies, context, body as unknown as EmbeddingRequest, (id) =>
            errors.unsupportedEndpoint(id, "/v1/embeddings"),
          ),
        };
      } catch (error) {
        const { status, body: errorBody } = toErrorResponse(error, requestId);
        const retryable = (error as { retryable?: unknown }).retryable === true && status === 429;
        const retryAfter = Number((error as { headers?: Record<string, string> }).headers?.["retry-after"]);
        return {
          statusCode: status,
          body: errorBody,
          ...(retryable ? { retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : 2_000 } : {}),
        };
      }
    },
  };
}
