// One GGUF model served in process by llama.cpp, as a LanguageModel: chat and text completions (whole
// or streamed) and embeddings. The model itself lives in the llama.cpp worker thread (llama-thread.ts),
// so nothing here is CPU-heavy; this side admits requests (a bounded queue, 429 beyond it), turns
// the worker's text chunks into stream parts and passes the client's disconnect on as an abort.
// Loading starts with the first request or `ready()`; a load failure answers 503, it never crashes.
import type { Logger } from "pino";
import { errors } from "../../core/errors.ts";
import type {
  CallOptions,
  ChatRequest,
  ChatResult,
  EmbeddingRequest,
  EmbeddingResult,
  LanguageModel,
  StreamPart,
  TextCompletionRequest,
  TextCompletionResult,
  TextStreamPart,
  Usage,
} from "../language-model.ts";
import { AsyncQueue } from "./async-queue.ts";
import { outputPlan } from "../output-plan.ts";
import type { Embedded, Generated, Job, LoadFacts, SamplingRequest, ToolCall } from "./llama-protocol.ts";
import {
  llamaThread,
  LlamaWorkerGone,
  type CallListeners,
  type LlamaThread,
  type TextListener,
} from "./llama-thread.ts";
import { RequestGate } from "./request-gate.ts";
import {
  chatLogprobs,
  chatShape,
  completionLogprobs,
  CompletionLogprobs,
  type LogprobsAsk,
} from "./logprobs-request.ts";

export interface LlamaModelOptions {
  id: string;
  path: string;
  threads: number;
  /** Sequences: requests that generate at once. */
  parallel: number;
  /** Requests that may wait for a sequence. */
  queue: number;
  /** Tokens per sequence, at most the model's training context. */
  contextSize: number;
  logger: Logger;
  metadata?: Readonly<Record<string, string | number | boolean>>;
}

interface Loaded {
  thread: LlamaThread;
  handle: number;
}

/** Only the fields a local model reads cross to the worker: not the whole body, which may be large. */
function sampling(request: ChatRequest | TextCompletionRequest): SamplingRequest {
  const { max_tokens, max_completion_tokens, temperature, top_p, seed, stop } = request as SamplingRequest;
  return { max_tokens, max_completion_tokens, temperature, top_p, seed, stop };
}

/** OpenAI's tool_calls of an assistant message. */
function toolCalls(calls: ToolCall[]) {
  return calls.map((call) => ({
    id: call.id,
    type: "function",
    function: { name: call.name, arguments: call.arguments },
  }));
}

function addUsage(total: Usage, more: Usage): void {
  total.prompt_tokens += more.prompt_tokens;
  total.completion_tokens += more.completion_tokens;
  total.total_tokens += more.total_tokens;
}

export class LlamaLocalModel implements LanguageModel {
  readonly specificationVersion = "v1";
  readonly id: string;
  readonly ownedBy = "custodian";
  readonly metadata: Readonly<Record<string, string | number | boolean>> | undefined;
  readonly #options: LlamaModelOptions;
  readonly #gate: RequestGate;
  readonly #embeddingGate: RequestGate;
  #loading: Promise<Loaded | null> | null = null;
  #closed = false;
  /** Generations on their way to the worker: started, not yet sent (parked in the gate's queue included). */
  #onTheWay = 0;

  constructor(options: LlamaModelOptions) {
    this.id = options.id;
    this.metadata = options.metadata;
    this.#options = options;
    this.#gate = new RequestGate({ model: options.id, slots: options.parallel, queue: options.queue });
    this.#embeddingGate = new RequestGate({ model: options.id, slots: 1, queue: options.queue });
  }

  /**
   * Starts loading if nothing has yet, and resolves once the model is loaded (true) or failed to load
   * (false). Loading waits for the first request or this call, so a CLI command that opens the
   * platform never loads weights.
   */
  async ready(): Promise<boolean> {
    this.#loading ??= this.#load();
    return (await this.#loading) !== null;
  }

  async #load(): Promise<Loaded | null> {
    const { logger, path, threads, parallel, contextSize } = this.#options;
    const thread = llamaThread();
    const handle = thread.join();
    try {
      const facts = await thread.call<LoadFacts>({
        type: "load",
        model: handle,
        settings: { id: this.id, path, threads, parallel, contextSize },
      });
      logger.info({ model: this.id, ...facts, threads, sequences: parallel }, "local model loaded");
      return { thread, handle };
    } catch (error) {
      await thread.leave();
      // The file's path and the library's error class say what is wrong; nothing here is content.
      logger.error(
        { model: this.id, path, failure: error instanceof Error ? error.name : typeof error },
        `local model failed to load: ${error instanceof Error ? error.message.slice(0, 300) : "unknown error"}`,
      );
      return null;
    }
  }

  async #loaded(): Promise<Loaded> {
    this.#loading ??= this.#load();
    let loaded = await this.#loading;
    if (loaded?.thread.gone && !this.#closed) {
      // The worker ended under us (a crash): load again on a fresh one.
      this.#loading = this.#load();
      loaded = await this.#loading;
    }
    if (!loaded || this.#closed) throw errors.modelUnavailable(this.id);
    return loaded;
  }

  /**
   * The generations that reach the worker right after the one being sent: the others on their way, less
   * those parked in the gate's queue (they wait for a generation to end). One admitted on the same turn
   * is sent on its next microtask, so requests that arrive together announce each other.
   */
  #followers(): number {
    return Math.max(0, this.#onTheWay - this.#gate.waiting);
  }

  /** Runs one job in the worker once `gate` admits it; the slot is held until the worker has answered. */
  async #run<T>(
    gate: RequestGate,
    job: (handle: number, followers: number) => Job,
    signal: AbortSignal,
    listeners: Omit<CallListeners, "signal"> = {},
  ): Promise<T> {
    // Only generations are counted: embeddings have a gate (and a context) of their own.
    const counted = gate === this.#gate;
    let onTheWay = counted;
    if (onTheWay) this.#onTheWay += 1;
    let release: (() => void) | null = null;
    try {
      const loaded = await this.#loaded();
      release = await gate.acquire(signal);
      let followers = 0;
      if (onTheWay) {
        this.#onTheWay -= 1;
        onTheWay = false;
        followers = this.#followers();
      }
      return await loaded.thread.call<T>(job(loaded.handle, followers), { signal, ...listeners });
    } catch (error) {
      if (error instanceof LlamaWorkerGone) throw errors.modelUnavailable(this.id);
      throw error;
    } finally {
      if (onTheWay) this.#onTheWay -= 1;
      release?.();
    }
  }

  #chat(
    request: ChatRequest,
    signal: AbortSignal,
    listeners?: Omit<CallListeners, "signal">,
  ): Promise<Generated> {
    // Tools, response_format and logprobs, checked here (a 400 before any model work) and sent as plain data.
    const plan = outputPlan(request);
    const logprobs = chatLogprobs(request, plan);
    return this.#run(
      this.#gate,
      (model, followers) => ({
        type: "chat",
        model,
        request: { ...sampling(request), logprobs, messages: request.messages, plan },
        stream: listeners !== undefined,
        followers,
      }),
      signal,
      listeners,
    );
  }

  #complete(
    request: TextCompletionRequest,
    prompt: string,
    logprobs: LogprobsAsk | null,
    signal: AbortSignal,
    onText?: TextListener,
  ): Promise<Generated> {
    return this.#run(
      this.#gate,
      (model, followers) => ({
        type: "complete",
        model,
        request: { ...sampling(request), logprobs },
        prompt,
        stream: onText !== undefined,
        followers,
      }),
      signal,
      onText ? { onText } : {},
    );
  }

  async generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const generated = await this.#chat(request, options.signal);
    return {
      choices: [
        {
          index: 0,
          message: generated.toolCalls?.length
            ? {
                role: "assistant",
                content: generated.text.length > 0 ? generated.text : null,
                tool_calls: toolCalls(generated.toolCalls),
              }
            : { role: "assistant", content: generated.text },
          finish_reason: generated.finishReason,
          logprobs: generated.logprobs ? chatShape(generated.logprobs) : null,
        },
      ],
      usage: generated.usage,
    };
  }

  async *stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart> {
    const parts = new AsyncQueue<StreamPart>();
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      parts.push({ type: "delta", index: 0, delta: { role: "assistant", content: "" }, finishReason: null });
    };
    const running = this.#chat(request, options.signal, {
      onText: (text, logprobs) => {
        start();
        const scored = logprobs ? { logprobs: chatShape(logprobs) } : {};
        parts.push({ type: "delta", index: 0, delta: { content: text }, finishReason: null, ...scored });
      },
      // As OpenAI streams a call: index, id, type and name first, then the arguments in fragments.
      onTool: ({ index, id, name, arguments: fragment }) => {
        const call = id === undefined ? {} : { id, type: "function" };
        const fn = name === undefined ? { arguments: fragment } : { name, arguments: fragment };
        const toolCalls = [{ index, ...call, function: fn }];
        // An answer that opens with a call opens as OpenAI's does: role, null content and the call.
        const opening = started ? {} : { role: "assistant" as const, content: null };
        started = true;
        parts.push({
          type: "delta",
          index: 0,
          delta: { ...opening, tool_calls: toolCalls },
          finishReason: null,
        });
      },
    }).then(
      (generated) => {
        start();
        parts.push({ type: "delta", index: 0, delta: {}, finishReason: generated.finishReason });
        parts.push({ type: "usage", usage: generated.usage });
        parts.end();
      },
      (error: unknown) => parts.fail(error),
    );
    try {
      yield* parts;
    } finally {
      await running;
    }
  }

  async complete(request: TextCompletionRequest, options: CallOptions): Promise<TextCompletionResult> {
    const prompts = Array.isArray(request.prompt) ? request.prompt : [request.prompt];
    const logprobs = completionLogprobs(request);
    const choices: TextCompletionResult["choices"] = [];
    const total: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    for (const [index, prompt] of prompts.entries()) {
      const generated = await this.#complete(request, prompt, logprobs, options.signal);
      const echo = request.echo === true ? prompt : "";
      choices.push({
        index,
        text: echo + generated.text,
        finish_reason: generated.finishReason,
        logprobs: generated.logprobs ? new CompletionLogprobs(prompt).shape(generated.logprobs) : null,
      });
      addUsage(total, generated.usage);
    }
    return { choices, usage: total };
  }

  async *streamCompletion(
    request: TextCompletionRequest,
    options: CallOptions,
  ): AsyncIterable<TextStreamPart> {
    const prompts = Array.isArray(request.prompt) ? request.prompt : [request.prompt];
    const total: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    const logprobs = completionLogprobs(request);
    for (const [index, prompt] of prompts.entries()) {
      // The prompt first, as its own part, when it is echoed.
      if (request.echo === true && prompt.length > 0)
        yield { type: "text", index, text: prompt, finishReason: null };
      const parts = new AsyncQueue<TextStreamPart>();
      const offsets = new CompletionLogprobs(prompt);
      const running = this.#complete(request, prompt, logprobs, options.signal, (text, scored) =>
        parts.push({
          type: "text",
          index,
          text,
          finishReason: null,
          ...(scored ? { logprobs: offsets.shape(scored) } : {}),
        }),
      ).then(
        (generated) => {
          addUsage(total, generated.usage);
          parts.push({ type: "text", index, text: "", finishReason: generated.finishReason });
          parts.end();
        },
        (error: unknown) => parts.fail(error),
      );
      try {
        yield* parts;
      } finally {
        await running;
      }
    }
    yield { type: "usage", usage: total };
  }

  async embed(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResult> {
    const embedded = await this.#run<Embedded>(
      this.#embeddingGate,
      (model) => ({ type: "embed", model, input: request.input, dimensions: request.dimensions ?? null }),
      options.signal,
    );
    return embedded;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const loaded = await this.#loading;
    if (!loaded || loaded.thread.gone) return;
    await loaded.thread.call({ type: "unload", model: loaded.handle }).catch(() => undefined);
    await loaded.thread.leave();
  }
}
