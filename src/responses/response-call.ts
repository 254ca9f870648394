// One POST /v1/responses without HTTP: check the body for its model, find the response it continues,
// translate it onto a chat completion (or prepare the passthrough), admit it through the request policies
// and keep what it answers under the organisation's rules (sealed, API-1; nothing under ZDR or `store:
// false`, API-2). The live route (whole and streamed) and the batch worker both call these, so a batch
// line meets the same checks, policies, observers and stored-response rules as a live request of its key.
import { errors } from "../core/errors.ts";
import { embeddingUsage } from "../documents/library/embedding-usage.ts";
import { timeOrderedId } from "../core/ids.ts";
import type { ChatMessage, ChatRequest, LanguageModel, Usage } from "../inference/language-model.ts";
import {
  startModelCall,
  type CallContext,
  type CallHooks,
  type StartedCall,
} from "../inference/model-call.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import { checkParameters } from "../inference/parameter-support.ts";
import { responseIdOfItem, type Json, type ResponseStore, type RetentionRules } from "./response-store.ts";
import { assistantMessage, outputItems, outputText, responseObject, statusOf } from "./responses-output.ts";
import {
  asChat,
  chatUsage,
  checkPassthroughFields,
  passesThrough,
  passthroughBody,
  PassthroughRewriter,
  type PassthroughModel,
} from "./responses-passthrough.ts";
import { asResponsesError, checkResponsesFields, listedItems, toChatRequest } from "./responses-request.ts";
import {
  fileSearchCallItem,
  passagesMessage,
  searchQuery,
  splitFileSearch,
  type FileSearcher,
} from "./file-search.ts";

export interface ResponseCallDependencies extends CallHooks {
  models: ModelRouter;
  store: ResponseStore;
  /** The privacy rules fixed when the chat request was admitted, if any. */
  admitted(request: ChatRequest): RetentionRules | undefined;
  /** Serves the `file_search` tool when given (the document library's search). */
  fileSearch?: FileSearcher;
}

interface StartedCommon {
  id: string;
  body: Json;
  /** The request as the policies and observers saw it. */
  chat: ChatRequest;
  call: StartedCall;
  /** Seals and keeps the finished response unless `store: false`, ZDR or a zero retention forbid it. */
  keep(response: Json): Promise<void>;
}

/** A response admitted and ready to run: translated onto chat completions, or passed through. */
export type StartedResponse =
  | (StartedCommon & {
      kind: "translated";
      model: LanguageModel;
      /** Output items that come before the model's (a `file_search_call`). */
      prefix: Json[];
    })
  | (StartedCommon & {
      kind: "passthrough";
      model: PassthroughModel;
      upstreamBody: Json;
      rewriter: PassthroughRewriter;
    });

const previousNotFound = (id: unknown) =>
  errors.invalidRequest(
    `Previous response with id '${String(id)}' not found.`,
    "previous_response_id",
    "previous_response_not_found",
  );

/**
 * Everything before the model runs: resolve the model, check the fields, find the previous response
 * (refused, as OpenAI refuses it, when it was not stored), translate, and admit through the policies.
 */
export async function startResponse(
  dependencies: ResponseCallDependencies,
  context: CallContext,
  body: Json,
): Promise<StartedResponse> {
  const { store } = dependencies;
  const { caller } = context;
  const model = await dependencies.models.resolve(String(body.model), caller.organizationId);
  // On a translated model the file_search tool is run here, before the model (the document library's
  // vector stores); an upstream with its own Responses API gets it unchanged, as every hosted tool.
  const fileSearch = passesThrough(model) ? { body, tool: null } : splitFileSearch(body);
  if (fileSearch.tool && !dependencies.fileSearch)
    throw errors.invalidRequest("'file_search' is not offered here.", "tools", "unsupported_parameter");
  if (passesThrough(model)) checkPassthroughFields(body);
  else checkResponsesFields(fileSearch.body);
  // Time-ordered: stored responses are written at request rate (core/ids.ts).
  const id = timeOrderedId("resp");
  let previous = null;
  if (body.previous_response_id != null) {
    // A response that was not stored (store: false, ZDR, expired) cannot be continued.
    previous = await store.get(caller.organizationId, String(body.previous_response_id));
    if (!previous) throw previousNotFound(body.previous_response_id);
  }
  const item = async (itemId: string) => {
    const owner = responseIdOfItem(itemId);
    const found = owner ? await store.get(caller.organizationId, owner) : null;
    return (
      ((found?.response.output as Json[] | undefined) ?? []).find((entry) => entry.id === itemId) ?? null
    );
  };
  const keepResponse = body.store !== false;
  const keeper =
    (chat: ChatRequest, inputItems: Json[], messages: ChatMessage[]) => async (response: Json) => {
      if (!keepResponse) return;
      const output = (response.output as Json[] | undefined) ?? [];
      await store.save(
        caller,
        id,
        { response, inputItems, messages: [...messages, assistantMessage(output)] },
        dependencies.admitted(chat),
      );
    };
  const admit = (chat: ChatRequest) =>
    startModelCall(dependencies, context, {
      model: model.id,
      endpoint: "responses",
      request: chat,
      store: keepResponse,
    });

  if (passesThrough(model)) {
    const upstreamBody = await passthroughBody(body, previous?.messages ?? null, async (ref, param) => {
      const found = typeof ref === "string" ? await item(ref) : null;
      if (!found)
        throw errors.invalidRequest(`Item with id '${String(ref)}' not found.`, param, "item_not_found");
      return found;
    });
    const { chat, messages } = await asChat(body, { responseId: id, previous, item });
    const call = await admit(chat);
    const rewriter = new PassthroughRewriter({
      id,
      model: model.id,
      store: keepResponse,
      previousResponseId: body.previous_response_id,
    });
    const keep = keeper(chat, listedItems(body.input ?? [], id), messages);
    return { kind: "passthrough", id, body, chat, call, keep, model, upstreamBody, rewriter };
  }
  let translated;
  try {
    translated = await toChatRequest(fileSearch.body, { responseId: id, previous, item });
    checkParameters("chat.completions", model.backend ?? "local", translated.chat);
  } catch (error) {
    throw asResponsesError(error);
  }
  const { chat, inputItems, messages } = translated;
  const prefix: Json[] = [];
  if (fileSearch.tool && dependencies.fileSearch) {
    const query = searchQuery(messages);
    const { withResults, ...search } = fileSearch.tool;
    const usage = embeddingUsage(dependencies.observers, caller, context.requestId);
    const hits = await dependencies.fileSearch(caller, { ...search, query }, usage);
    // The passages go to the model only; the stored conversation keeps the messages as given.
    chat.messages = [passagesMessage(hits), ...chat.messages];
    prefix.push(fileSearchCallItem(query, hits, withResults));
  }
  const call = await admit(chat);
  return {
    kind: "translated",
    id,
    body,
    chat,
    call,
    keep: keeper(chat, inputItems, messages),
    model,
    prefix,
  };
}

/** The whole (not streamed) Responses object of a started response, reported and kept. */
export async function generateResponse(started: StartedResponse): Promise<Json> {
  const { call } = started;
  let response: Json;
  let usage: Usage | null;
  try {
    if (started.kind === "passthrough") {
      response = started.rewriter.response(
        await started.model.respond(started.upstreamBody, { signal: call.signal }),
      );
      usage = chatUsage(response.usage);
    } else {
      const result = await started.model.generate(started.chat, { signal: call.signal });
      const choice = result.choices[0];
      const output = [
        ...started.prefix,
        ...(choice ? outputItems(started.id, choice.message, choice.logprobs) : []),
      ];
      response = responseObject({
        id: started.id,
        createdAt: call.startedAt,
        model: started.model.id,
        body: started.body,
        ...statusOf(choice?.finish_reason ?? null),
        output,
        usage: result.usage,
      });
      usage = result.usage;
    }
  } catch (error) {
    call.report({ output: null, usage: null, status: "failed" });
    throw error;
  }
  const output = (response.output as Json[] | undefined) ?? [];
  call.report({ output: outputText(output), usage, status: "completed" });
  await started.keep(response);
  return response;
}

/** POST /v1/responses without streaming, as one function: check, admit, generate, keep. */
export async function createResponse(
  dependencies: ResponseCallDependencies,
  context: CallContext,
  body: Json,
): Promise<Json> {
  return generateResponse(await startResponse(dependencies, context, body));
}
