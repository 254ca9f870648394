// /v1/responses: create (whole or streamed as OpenAI's typed events), retrieve, delete, cancel and list
// input items. A response runs as a chat completion through the same policies, observers and backends
// as /v1/chat/completions; a stored one is sealed and kept no longer than the API retention (API-1).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "@sinclair/typebox";
import { CustodianError, errors } from "../core/errors.ts";
import type { CompletionObserver, RequestPolicy } from "../inference/completion-hooks.ts";
import type { ChatRequest, Usage } from "../inference/language-model.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import { generateResponse, startResponse } from "../responses/response-call.ts";
import type { FileSearcher } from "../responses/file-search.ts";
import type { Json, ResponseStore, RetentionRules } from "../responses/response-store.ts";
import { outputText, responseObject, type ResponseFacts } from "../responses/responses-output.ts";
import { ResponseEventBuilder } from "../responses/responses-stream.ts";
import { requestContext, type Outcome } from "./completion-lifecycle.ts";
import { streamPassthroughResponse } from "./responses-passthrough-route.ts";
import { writeEventStream } from "./event-stream.ts";

export interface ResponsesRoutesDependencies {
  models: ModelRouter;
  policies: readonly RequestPolicy[];
  observers: readonly CompletionObserver[];
  responses: {
    store: ResponseStore;
    /** The privacy rules fixed when the chat request was admitted, if any. */
    admitted(request: ChatRequest): RetentionRules | undefined;
    /** Serves the `file_search` tool when given. */
    fileSearch?: FileSearcher;
  };
}

/** The body a create is checked against before its fields are (the batch worker checks lines with it too). */
export const responseBody = Type.Object(
  { model: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: true },
);
const listQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
  order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")])),
});

/** A query's keys for `name`, as sent plainly (`include=`) or as the official clients send a list (`include[]=`). */
const keysFor = (query: object, name: string) =>
  Object.keys(query).filter((key) => key === name || key.startsWith(`${name}[`));

/** Each value given for a query parameter, however it was sent. */
function valuesOf(query: Record<string, unknown>, name: string): unknown[] {
  return keysFor(query, name).flatMap((key) => query[key] as unknown);
}

/** The parameter named, refused: it is not offered on this route. */
const unsupportedQuery = (param: string, message: string) =>
  errors.invalidRequest(message, param, "unsupported_parameter");

/**
 * GET /v1/responses/{id} returns the response as it was stored, whole: it is never streamed again
 * (`stream`, `starting_after`), and `include` adds nothing to it. `file_search_call.results` is kept
 * where the stored response already carries them (asked for when it was created), so asking again works.
 */
function checkRetrieveQuery(query: Record<string, unknown>, response: Json): void {
  const stream = valuesOf(query, "stream");
  if (stream.some((value) => value !== "false"))
    throw unsupportedQuery("stream", "A stored response is returned whole: it cannot be streamed again.");
  if (keysFor(query, "starting_after").length > 0)
    throw unsupportedQuery(
      "starting_after",
      "'starting_after' applies to a streamed retrieve, which is not offered.",
    );
  const output: unknown[] = Array.isArray(response.output) ? response.output : [];
  const withResults = output.every(
    (item) => (item as Json | null)?.type !== "file_search_call" || (item as Json).results != null,
  );
  for (const value of valuesOf(query, "include"))
    if (value !== "file_search_call.results" || !withResults)
      throw unsupportedQuery(
        "include",
        value === "file_search_call.results"
          ? "This response was stored without its file search results: ask for them with 'include' when creating it."
          : `The include value '${String(value)}' is not offered when retrieving a response.`,
      );
}

const responseNotFound = (id: string) =>
  new CustodianError(`Response with id '${id}' not found.`, {
    status: 404,
    type: "invalid_request_error",
    code: "not_found",
    param: "response_id",
  });

export function responsesRoutes(dependencies: ResponsesRoutesDependencies) {
  const { models, policies, observers } = dependencies;
  const { store, admitted, fileSearch } = dependencies.responses;
  const organizationOf = (request: FastifyRequest) => request.principal!.organizationId;

  async function stored(request: FastifyRequest<{ Params: { id: string } }>) {
    const found = await store.get(organizationOf(request), request.params.id);
    if (!found) throw responseNotFound(request.params.id);
    return found;
  }

  return async function register(app: FastifyInstance): Promise<void> {
    app.post("/responses", { schema: { body: responseBody } }, async (request, reply) => {
      // The same functions the batch worker calls (responses/response-call.ts).
      const started = await startResponse(
        { models, policies, observers, store, admitted, ...(fileSearch ? { fileSearch } : {}) },
        requestContext(request, reply),
        request.body as Json,
      );
      if (started.body.stream !== true) return generateResponse(started);
      if (started.kind === "passthrough") return streamPassthroughResponse(request, reply, started);
      const { id, body, model, call, prefix } = started;
      const facts = (end: Pick<ResponseFacts, "status" | "incomplete" | "output" | "usage">) =>
        responseObject({ id, createdAt: call.startedAt, model: model.id, body, ...end });
      const builder = new ResponseEventBuilder(id);
      let usage: Usage | null = null;
      let text = "";
      async function* events(): AsyncIterable<Json> {
        const iterator = model.stream(started.chat, { signal: call.signal })[Symbol.asyncIterator]();
        // The first part before any event: a refusal (429, 503) still gets its own status code.
        let next = await iterator.next();
        const opening = facts({ status: "in_progress", incomplete: null, output: [], usage: null });
        yield builder.event("response.created", { response: opening });
        yield builder.event("response.in_progress", { response: opening });
        for (const item of prefix) yield* builder.fileSearchCall(item);
        while (!next.done) {
          yield* builder.push(next.value);
          next = await iterator.next();
        }
        const { events: closing, end } = builder.finish();
        yield* closing;
        usage = end.usage;
        text = outputText(end.output);
        const response = facts(end);
        await started.keep(response);
        yield builder.event(end.status === "incomplete" ? "response.incomplete" : "response.completed", {
          response,
        });
      }
      let status: Outcome["status"] = "failed";
      try {
        ({ status } = await writeEventStream(request, reply, events(), (event) => event, { done: false }));
      } finally {
        call.report({ output: text, usage, status });
      }
    });

    app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
      "/responses/:id",
      async (request) => {
        const { response } = await stored(request);
        checkRetrieveQuery(request.query, response);
        return response;
      },
    );

    app.delete<{ Params: { id: string } }>("/responses/:id", async (request) => {
      if (!(await store.delete(organizationOf(request), request.params.id)))
        throw responseNotFound(request.params.id);
      return { id: request.params.id, object: "response", deleted: true };
    });

    app.post<{ Params: { id: string } }>("/responses/:id/cancel", async (request) => {
      await stored(request);
      throw errors.invalidRequest(
        "Only background responses can be cancelled, and this server runs every response in the foreground.",
        "response_id",
        "not_cancellable",
      );
    });

    app.get<{
      Params: { id: string };
      Querystring: { after?: string; limit?: string; order?: "asc" | "desc" };
    }>("/responses/:id/input_items", { schema: { querystring: listQuery } }, async (request) => {
      const items = [...(await stored(request)).inputItems];
      // Input items are kept as given: there is nothing more that `include` could add to them.
      if (keysFor(request.query, "include").length > 0)
        throw unsupportedQuery("include", "'include' is not offered when listing input items.");
      const limit = request.query.limit === undefined ? 20 : Number(request.query.limit);
      if (limit < 1 || limit > 100)
        throw errors.invalidRequest("'limit' must be between 1 and 100.", "limit");
      if (request.query.order !== "asc") items.reverse();
      // A cursor that is not one of this response's items is refused, never read as "from the start".
      const after = request.query.after;
      const found = after === undefined ? -1 : items.findIndex((item) => item.id === after);
      if (after !== undefined && found === -1)
        throw errors.invalidRequest(`'after' is not an input item of this response: '${after}'.`, "after");
      const start = found + 1;
      const page = items.slice(start, start + limit);
      return {
        object: "list",
        data: page,
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: start + limit < items.length,
      };
    });
  };
}
