// POST /v1/responses for a model whose upstream has its own Responses API: the request is passed
// through (responses/responses-passthrough.ts) and still goes through every step a translated one
// does: the request policies (classifier, rate limits, budgets, private models) see it as a chat
// request, the observers meter it, and a stored response is sealed under the API retention.
import type { FastifyReply, FastifyRequest } from "fastify";
import { errors } from "../core/errors.ts";
import type { CompletionObserver, RequestPolicy } from "../inference/completion-hooks.ts";
import type { ChatMessage, ChatRequest, Usage } from "../inference/language-model.ts";
import type { Json, ResponseStore, RetentionRules, StoredResponse } from "../responses/response-store.ts";
import { assistantMessage, outputText } from "../responses/responses-output.ts";
import {
  chatUsage,
  finalEvents,
  passthroughBody,
  PassthroughRewriter,
  type PassthroughModel,
} from "../responses/responses-passthrough.ts";
import { listedItems, toChatRequest, type TranslationContext } from "../responses/responses-request.ts";
import { beginModelCall, type Outcome } from "./completion-lifecycle.ts";
import { writeEventStream } from "./event-stream.ts";

export interface PassthroughCall {
  id: string;
  body: Json;
  model: PassthroughModel;
  previous: StoredResponse | null;
  /** A stored output item by id, for `item_reference`. */
  item: TranslationContext["item"];
}

export interface PassthroughDependencies {
  policies: readonly RequestPolicy[];
  observers: readonly CompletionObserver[];
  store: ResponseStore;
  admitted(request: ChatRequest): RetentionRules | undefined;
}

/** Every string under `text` or `content` of the input: what a policy reads when no translation fits. */
function inputText(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const entry of value) inputText(entry, into);
  else if (typeof value === "object" && value !== null)
    for (const [key, entry] of Object.entries(value))
      if (key === "text" || key === "content" || key === "output") inputText(entry, into);
  return into;
}

/**
 * The request as the policies and observers see it, with the conversation to store: translated when
 * the request is one chat completions can express, else its text as one user message (the upstream
 * may offer items and tools chat completions do not).
 */
async function asChat(call: PassthroughCall): Promise<{ chat: ChatRequest; messages: ChatMessage[] }> {
  try {
    const { chat, messages } = await toChatRequest(call.body, {
      responseId: call.id,
      previous: call.previous,
      item: call.item,
    });
    return { chat, messages };
  } catch {
    const messages: ChatMessage[] = [
      ...(call.previous?.messages ?? []),
      { role: "user", content: inputText(call.body.input).join("\n") },
    ];
    return { chat: { model: String(call.body.model), messages }, messages };
  }
}

export async function createPassthroughResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  dependencies: PassthroughDependencies,
  call: PassthroughCall,
): Promise<Json | undefined> {
  const principal = request.principal!;
  const { id, body, model } = call;
  const upstreamBody = await passthroughBody(body, call.previous?.messages ?? null, async (ref, param) => {
    const found = typeof ref === "string" ? await call.item(ref) : null;
    if (!found)
      throw errors.invalidRequest(`Item with id '${String(ref)}' not found.`, param, "item_not_found");
    return found;
  });
  const { chat, messages } = await asChat(call);
  const keepResponse = body.store !== false;
  const modelCall = await beginModelCall(
    request,
    reply,
    { policies: dependencies.policies, observers: dependencies.observers },
    { model: model.id, endpoint: "responses", request: chat, store: keepResponse },
  );
  const rewriter = new PassthroughRewriter({
    id,
    model: model.id,
    store: keepResponse,
    previousResponseId: body.previous_response_id,
  });
  const keep = async (response: Json) => {
    if (!keepResponse) return;
    const output = (response.output as Json[] | undefined) ?? [];
    const inputItems = listedItems(body.input ?? [], id);
    await dependencies.store.save(
      principal,
      id,
      { response, inputItems, messages: [...messages, assistantMessage(output)] },
      dependencies.admitted(chat),
    );
  };

  if (body.stream !== true) {
    let response;
    try {
      response = rewriter.response(await model.respond(upstreamBody, { signal: modelCall.signal }));
    } catch (error) {
      modelCall.report({ output: null, usage: null, status: "failed" });
      throw error;
    }
    const output = (response.output as Json[] | undefined) ?? [];
    modelCall.report({ output: outputText(output), usage: chatUsage(response.usage), status: "completed" });
    await keep(response);
    return response;
  }

  let usage: Usage | null = null;
  let text = "";
  async function* events(): AsyncIterable<Json> {
    for await (const upstream of model.streamRespond(upstreamBody, { signal: modelCall.signal })) {
      const event = rewriter.event(upstream);
      if (finalEvents.has(String(event.type)) && typeof event.response === "object" && event.response) {
        const response = event.response as Json;
        usage = chatUsage(response.usage);
        text = outputText((response.output as Json[] | undefined) ?? []);
        await keep(response);
      }
      yield event;
    }
  }
  let status: Outcome["status"] = "failed";
  try {
    ({ status } = await writeEventStream(request, reply, events(), (event) => event, { done: false }));
  } finally {
    modelCall.report({ output: text, usage, status });
  }
  return undefined;
}
