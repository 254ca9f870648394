// One GGUF model served in process by llama.cpp: chat and text completions (whole or streamed) on a
// pool of context sequences, so several requests generate at once, and embeddings on a context of
// their own. Loading starts at once in the background; a load failure answers 503, it never crashes.
import type { Logger } from "pino";
import type {
  ChatWrapper,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
  TokenMeterState,
} from "node-llama-cpp";
import { CustodianError, errors } from "../../core/errors.ts";
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
import { toChatHistory } from "./chat-history.ts";
import { gpuLayersFor, llamaLibrary, llamaRuntime, type LlamaLibrary } from "./llama-runtime.ts";
import { RequestGate } from "./request-gate.ts";

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
  /** node-llama-cpp itself, imported with the runtime on the first load rather than at start-up. */
  library: LlamaLibrary;
  model: LlamaModel;
  /** Resolved once: resolving renders the model's template many times over, a second per request. */
  chatWrapper: ChatWrapper;
  context: LlamaContext;
  free: LlamaContextSequence[];
  contextSize: number;
}

interface Sampling {
  maxTokens: number;
  temperature: number;
  topP: number | undefined;
  seed: number | undefined;
  customStopTriggers: string[];
  signal: AbortSignal;
  stopOnAbortSignal: false;
}

interface Generated {
  text: string;
  finishReason: "stop" | "length";
  usage: Usage;
}

function finishReason(stopReason: string): "stop" | "length" {
  return stopReason === "maxTokens" ? "length" : "stop";
}

/** The meter can count one sampled token past the limit (it is dropped); the client asked for at most the limit. */
function generatedTokens(sequence: LlamaContextSequence, before: TokenMeterState, maxTokens: number): number {
  return Math.min(sequence.tokenMeter.diff(before).usedOutputTokens, maxTokens);
}

function usage(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
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
  #embeddingContext: Promise<LlamaEmbeddingContext> | null = null;
  #closed = false;

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
    const { logger, path } = this.#options;
    const started = Date.now();
    let model: LlamaModel | null = null;
    try {
      const llama = await llamaRuntime({ threads: this.#options.threads });
      const library = await llamaLibrary();
      model = await llama.loadModel({ modelPath: path, gpuLayers: gpuLayersFor(llama) });
      const contextSize = Math.min(this.#options.contextSize, model.trainContextSize);
      const context = await model.createContext({
        sequences: this.#options.parallel,
        contextSize,
        threads: this.#options.threads,
      });
      const free = Array.from({ length: this.#options.parallel }, () => context.getSequence());
      logger.info(
        {
          model: this.id,
          gpu: llama.gpu,
          gpuLayers: model.gpuLayers,
          threads: this.#options.threads,
          sequences: this.#options.parallel,
          contextSize: context.contextSize,
          ms: Date.now() - started,
        },
        "local model loaded",
      );
      return {
        library,
        model,
        chatWrapper: library.resolveChatWrapper(model),
        context,
        free,
        contextSize: context.contextSize,
      };
    } catch (error) {
      // Weights loaded but no context fitted (memory): give the weights' memory back.
      await model?.dispose().catch(() => undefined);
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
    const loaded = await this.#loading;
    if (!loaded || this.#closed) throw errors.modelUnavailable(this.id);
    return loaded;
  }

  /** Run `work` on a free sequence, with its history cleared; waits in the bounded queue for one. */
  async #withSequence<T>(
    signal: AbortSignal,
    work: (sequence: LlamaContextSequence, loaded: Loaded) => Promise<T>,
  ): Promise<T> {
    const loaded = await this.#loaded();
    const release = await this.#gate.acquire(signal);
    const sequence = loaded.free.pop();
    try {
      if (!sequence) throw new Error("A sequence slot was admitted with no free sequence.");
      await sequence.clearHistory();
      return await work(sequence, loaded);
    } finally {
      if (sequence) loaded.free.push(sequence);
      release();
    }
  }

  #sampling(request: ChatRequest | TextCompletionRequest, loaded: Loaded, signal: AbortSignal): Sampling {
    const limit = (request.max_completion_tokens ?? request.max_tokens) as number | null | undefined;
    const stop = request.stop == null ? [] : Array.isArray(request.stop) ? request.stop : [request.stop];
    return {
      // Without a limit a model that never ends its turn would shift its context forever.
      maxTokens: Math.min(limit ?? loaded.contextSize, loaded.contextSize),
      // OpenAI's defaults: temperature 1, top_p 1.
      temperature: request.temperature ?? 1,
      topP: request.top_p ?? undefined,
      seed: request.seed ?? undefined,
      customStopTriggers: stop.filter((text) => text.length > 0),
      signal,
      stopOnAbortSignal: false,
    };
  }

  async #chat(
    request: ChatRequest,
    signal: AbortSignal,
    onText?: (text: string) => void,
  ): Promise<Generated> {
    return this.#withSequence(signal, async (sequence, loaded) => {
      const chat = new loaded.library.LlamaChat({
        contextSequence: sequence,
        chatWrapper: loaded.chatWrapper,
        autoDisposeSequence: false,
      });
      try {
        const history = toChatHistory(request.messages);
        const meter = sequence.tokenMeter.getState();
        const sampling = this.#sampling(request, loaded, signal);
        const response = await chat.generateResponse(history, {
          ...sampling,
          ...(onText ? { onTextChunk: nonEmpty(onText) } : {}),
        });
        // Sampled tokens, including any held back as a possible stop sequence.
        const completionTokens = generatedTokens(sequence, meter, sampling.maxTokens);
        const promptTokens = chat.chatWrapper
          .generateContextState({ chatHistory: history })
          .contextText.tokenize(loaded.model.tokenizer).length;
        return {
          text: response.response,
          finishReason: finishReason(response.metadata.stopReason),
          usage: usage(promptTokens, completionTokens),
        };
      } finally {
        chat.dispose({ disposeSequence: false });
      }
    });
  }

  async #complete(
    request: TextCompletionRequest,
    prompt: string,
    signal: AbortSignal,
    onText?: (text: string) => void,
  ): Promise<Generated> {
    return this.#withSequence(signal, async (sequence, loaded) => {
      const completion = new loaded.library.LlamaCompletion({
        contextSequence: sequence,
        autoDisposeSequence: false,
      });
      try {
        const meter = sequence.tokenMeter.getState();
        const sampling = this.#sampling(request, loaded, signal);
        const response = await completion.generateCompletionWithMeta(prompt, {
          ...sampling,
          ...(onText ? { onTextChunk: nonEmpty(onText) } : {}),
        });
        const completionTokens = generatedTokens(sequence, meter, sampling.maxTokens);
        return {
          text: response.response,
          finishReason: finishReason(response.metadata.stopReason),
          usage: usage(loaded.model.tokenize(prompt).length, completionTokens),
        };
      } finally {
        completion.dispose({ disposeSequence: false });
      }
    });
  }

  async generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const generated = await this.#chat(request, options.signal);
    return {
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: generated.text },
          finish_reason: generated.finishReason,
          logprobs: null,
        },
      ],
      usage: generated.usage,
    };
  }

  async *stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart> {
    const parts = new AsyncQueue<StreamPart>();
    let started = false;
    const running = this.#chat(request, options.signal, (text) => {
      if (!started) {
        started = true;
        parts.push({
          type: "delta",
          index: 0,
          delta: { role: "assistant", content: "" },
          finishReason: null,
        });
      }
      parts.push({ type: "delta", index: 0, delta: { content: text }, finishReason: null });
    }).then(
      (generated) => {
        if (!started) {
          parts.push({
            type: "delta",
            index: 0,
            delta: { role: "assistant", content: "" },
            finishReason: null,
          });
        }
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
    const choices: TextCompletionResult["choices"] = [];
    const total = usage(0, 0);
    for (const [index, prompt] of prompts.entries()) {
      const generated = await this.#complete(request, prompt, options.signal);
      choices.push({ index, text: generated.text, finish_reason: generated.finishReason, logprobs: null });
      addUsage(total, generated.usage);
    }
    return { choices, usage: total };
  }

  async *streamCompletion(
    request: TextCompletionRequest,
    options: CallOptions,
  ): AsyncIterable<TextStreamPart> {
    const prompts = Array.isArray(request.prompt) ? request.prompt : [request.prompt];
    const total = usage(0, 0);
    for (const [index, prompt] of prompts.entries()) {
      const parts = new AsyncQueue<TextStreamPart>();
      const running = this.#complete(request, prompt, options.signal, (text) =>
        parts.push({ type: "text", index, text, finishReason: null }),
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
    const loaded = await this.#loaded();
    const inputs = embeddingInputs(request.input);
    const release = await this.#embeddingGate.acquire(options.signal);
    try {
      this.#embeddingContext ??= loaded.model
        .createEmbeddingContext({ contextSize: loaded.contextSize, threads: this.#options.threads })
        .catch((error: unknown) => {
          // Not cached: the next request tries again (memory may have been short for a moment).
          this.#embeddingContext = null;
          throw error;
        });
      const context = await this.#embeddingContext;
      const data: EmbeddingResult["data"] = [];
      let tokens = 0;
      for (const [index, input] of inputs.entries()) {
        options.signal.throwIfAborted();
        const tokenized = loaded.model.tokenize(input);
        if (tokenized.length > loaded.contextSize) {
          throw errors.invalidRequest(
            `Input ${index} is ${tokenized.length} tokens; this model embeds at most ${loaded.contextSize}.`,
            "input",
          );
        }
        tokens += tokenized.length;
        const embedding = await context.getEmbeddingFor(tokenized);
        data.push({ index, embedding: [...embedding.vector] });
      }
      const dimensions = data[0]?.embedding.length;
      if (request.dimensions != null && request.dimensions !== dimensions) {
        throw errors.invalidRequest(
          `This model's embeddings have ${dimensions} dimensions; it cannot give ${request.dimensions}.`,
          "dimensions",
        );
      }
      return { data, usage: { prompt_tokens: tokens, total_tokens: tokens } };
    } catch (error) {
      if (error instanceof CustodianError || options.signal.aborted) throw error;
      throw errors.upstream(500, `The model '${this.id}' failed to embed the input.`, "embedding_failed");
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const loaded = await this.#loading;
    if (!loaded) return;
    if (this.#embeddingContext) await (await this.#embeddingContext.catch(() => null))?.dispose();
    await loaded.context.dispose();
    await loaded.model.dispose();
  }
}

/** Chunks can be empty while a multi-byte character is incomplete; a stream part for them says nothing. */
function nonEmpty(onText: (text: string) => void): (text: string) => void {
  return (text) => {
    if (text.length > 0) onText(text);
  };
}

function addUsage(total: Usage, more: Usage): void {
  total.prompt_tokens += more.prompt_tokens;
  total.completion_tokens += more.completion_tokens;
  total.total_tokens += more.total_tokens;
}

/**
 * The input texts, one per vector to return. Token arrays are refused: an id outside the vocabulary
 * trips an assertion inside llama.cpp, which would end the whole process.
 */
function embeddingInputs(input: EmbeddingRequest["input"]): string[] {
  const inputs = typeof input === "string" ? [input] : (input as unknown[]);
  if (!inputs.every((item): item is string => typeof item === "string")) {
    throw errors.invalidRequest("Local models embed text; send 'input' as a string or strings.", "input");
  }
  return inputs;
}
