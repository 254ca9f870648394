// One /v1 model call without HTTP: admit it through the request policies, run it, tell the observers. The
// live routes and the batch worker both call these, so a batch line meets the same privacy rules,
// classifiers, metering, rate limits, budgets and private-model rules as a live request of its key.
import { publicToken } from "../core/ids.ts";
import type { Caller, CompletionObserver, CompletionRecord, RequestPolicy } from "./completion-hooks.ts";
import type { ChatRequest, EmbeddingRequest, LanguageModel } from "./language-model.ts";
import type { ModelRouter } from "./model-router.ts";
import { checkParameters } from "./parameter-support.ts";

export interface CallHooks {
  policies: readonly RequestPolicy[];
  observers: readonly CompletionObserver[];
}

/** Who calls and how: a live request gives its id, its client's abort and a sink for policy headers. */
export interface CallContext {
  caller: Caller;
  requestId: string;
  /** Aborted when the caller goes away (the client, or a cancelled batch). */
  signal: AbortSignal;
  /** Headers the policies add (x-ratelimit-*); a batch has no response to put them on. */
  headers?: (headers: Record<string, string>) => void;
}

export type Outcome = Pick<CompletionRecord, "output" | "usage" | "status">;

export interface StartedCall {
  signal: AbortSignal;
  startedAt: Date;
  /** Tell the observers how the call ended; a call whose signal was aborted is "cancelled". */
  report(outcome: Outcome): void;
}

export function notifyObservers(observers: readonly CompletionObserver[], record: CompletionRecord): void {
  for (const observer of observers) {
    try {
      observer.completed(record);
    } catch {
      // An observer's failure must never reach the client; observers log their own problems.
    }
  }
}

/** Admit the call through every policy (the first to throw refuses it), then return how to report it. */
export async function startModelCall(
  hooks: CallHooks,
  context: CallContext,
  call: { model: string; endpoint: string; request: ChatRequest; store: boolean },
): Promise<StartedCall> {
  const { caller, signal } = context;
  for (const policy of hooks.policies) {
    const result = await policy.admit({
      caller,
      model: call.model,
      endpoint: call.endpoint,
      request: call.request,
    });
    if (result?.headers) context.headers?.(result.headers);
  }
  const startedAt = new Date();
  return {
    signal,
    startedAt,
    report(outcome) {
      notifyObservers(hooks.observers, {
        requestId: context.requestId,
        caller,
        model: call.model,
        endpoint: call.endpoint,
        request: call.request,
        store: call.store,
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
        ...outcome,
        status: signal.aborted ? "cancelled" : outcome.status,
      });
    },
  };
}

/** A whole (not streamed) chat completion on a resolved model, admitted and reported, in OpenAI's shape. */
export async function generateChatCompletion(
  model: LanguageModel,
  call: StartedCall,
  body: ChatRequest,
): Promise<Record<string, unknown>> {
  const header = {
    id: `chatcmpl-${publicToken(24)}`,
    created: Math.floor(call.startedAt.getTime() / 1000),
    model: model.id,
  };
  let result;
  try {
    result = await model.generate(body, { signal: call.signal });
  } catch (error) {
    call.report({ output: null, usage: null, status: "failed" });
    throw error;
  }
  const content = result.choices[0]?.message.content;
  call.report({
    output: typeof content === "string" ? content : null,
    usage: result.usage,
    status: "completed",
  });
  return {
    ...header,
    object: "chat.completion",
    choices: result.choices,
    usage: result.usage,
    system_fingerprint: result.system_fingerprint ?? null,
    ...result.fields,
  };
}

/** POST /v1/chat/completions without streaming, as one function: resolve, check, admit, generate. */
export async function chatCompletion(
  dependencies: CallHooks & { models: ModelRouter },
  context: CallContext,
  body: ChatRequest & { store?: boolean | null },
): Promise<Record<string, unknown>> {
  const model = await dependencies.models.resolve(body.model, context.caller.organizationId);
  checkParameters("chat.completions", model.backend ?? "local", body);
  const call = await startModelCall(dependencies, context, {
    model: model.id,
    endpoint: "chat.completions",
    request: body,
    store: body.store !== false,
  });
  return generateChatCompletion(model, call, body);
}

function toBase64(vector: number[]): string {
  return Buffer.from(Float32Array.from(vector).buffer).toString("base64");
}

/** POST /v1/embeddings as one function: resolve, check, admit (texts seen as user messages), embed. */
export async function createEmbeddings(
  dependencies: CallHooks & { models: ModelRouter },
  context: CallContext,
  body: EmbeddingRequest & { store?: boolean | null; encoding_format?: string },
  unsupported: (modelId: string) => Error,
): Promise<Record<string, unknown>> {
  const model = await dependencies.models.resolve(body.model, context.caller.organizationId);
  if (!model.embed) throw unsupported(model.id);
  checkParameters("embeddings", model.backend ?? "local", body);
  const texts =
    typeof body.input === "string"
      ? [body.input]
      : (body.input as unknown[]).filter((item): item is string => typeof item === "string");
  // Policies and observers speak chat requests: they see the texts as user messages.
  const chatView = { ...body, messages: texts.map((text) => ({ role: "user" as const, content: text })) };
  const call = await startModelCall(dependencies, context, {
    model: model.id,
    endpoint: "embeddings",
    request: chatView,
    store: body.store !== false,
  });
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
}
