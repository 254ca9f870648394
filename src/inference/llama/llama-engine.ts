// One loaded GGUF model inside the llama.cpp worker thread: chat and text completions on a pool of
// context sequences, and embeddings on a context of their own. Every CPU-heavy step (tokenising,
// rendering and fitting the history, sampling) runs here, never on the thread that serves HTTP. A
// prompt that does not fit the context is refused before any generation starts.
import type {
  ChatModelFunctions,
  ChatWrapper,
  LLamaChatGenerateResponseOptions,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
} from "node-llama-cpp";
import { CustodianError, errors } from "../../core/errors.ts";
import type { ChatMessage, EmbeddingRequest } from "../language-model.ts";
import type { OutputPlan } from "../output-plan.ts";
import { toChatHistory } from "./chat-history.ts";
import { embeddingInputs } from "./embedding-inputs.ts";
import { StartBurst } from "./start-burst.ts";
import {
  countAfterGeneration,
  generatedTokens,
  historyText,
  maxTokenBytes,
  promptTokensEvaluated,
  tokenBound,
  usage,
} from "./token-counts.ts";
import { TokenBytes, TokenLogprobs } from "./token-logprobs.ts";
import { shapeChat, type ShapeCallbacks } from "./output-shaping.ts";
import { gpuLayersFor, llamaLibrary, llamaRuntime, type LlamaLibrary } from "./llama-runtime.ts";
import {
  contextLengthExceeded,
  type Embedded,
  type Generated,
  type LoadFacts,
  type ModelSettings,
  type SamplingRequest,
  type TokenLogprob,
} from "./llama-protocol.ts";

interface Sampling {
  maxTokens: number;
  temperature: number;
  topP: number | undefined;
  seed: number | undefined;
  customStopTriggers: string[];
  signal: AbortSignal;
  stopOnAbortSignal: false;
}

/** A chat or completion generator on one sequence, as `#generate` drives it. */
interface Generator {
  run(
    options: Sampling & { onTextChunk?: (text: string) => void },
  ): Promise<Pick<Generated, "text" | "toolCalls" | "finishReason">>;
  dispose(): void;
}

function finishReason(stopReason: string): "stop" | "length" {
  return stopReason === "maxTokens" ? "length" : "stop";
}

type OnText = (text: string, logprobs?: TokenLogprob[]) => void;

/**
 * Chunks can be empty while a multi-byte character is incomplete; a stream part for them says nothing.
 * Each chunk carries its tokens' log probabilities when the request asked for them.
 */
function nonEmpty(onText: OnText, logprobs?: TokenLogprobs | null): (text: string) => void {
  return (text) => {
    if (text.length > 0) onText(text, logprobs?.take(text));
  };
}

/** One generation, as `#generate` runs it. */
interface Generation {
  request: SamplingRequest;
  /** Null: counted from the sequence after generation (prompt-tokens.ts). */
  promptTokens: number | null;
  signal: AbortSignal;
  /** Streamed text, for a completion (a chat's goes through its output shaping). */
  onText?: OnText | undefined;
  streamed: boolean;
  open: (sequence: LlamaContextSequence) => Generator;
  /** No context shift: see `#sampling`. */
  capped?: boolean;
  /** Requests right behind this one, whose prompts start with it (start-burst.ts). */
  followers: number;
  logprobs: TokenLogprobs | null;
}

export class LlamaEngine {
  readonly #settings: ModelSettings;
  readonly #library: LlamaLibrary;
  readonly #model: LlamaModel;
  /** Resolved once: resolving renders the model's template many times over, a second per request. */
  readonly #chatWrapper: ChatWrapper;
  readonly #context: LlamaContext;
  readonly #free: LlamaContextSequence[];
  readonly contextSize: number;
  /** The longest token's text in UTF-8 bytes (an upper bound on the bytes one token covers), or null if unknown. */
  readonly #maxTokenBytes: number | null;
  readonly #tokenBytes: TokenBytes;
  readonly #burst = new StartBurst();
  #embeddingContext: Promise<LlamaEmbeddingContext> | null = null;

  private constructor(
    settings: ModelSettings,
    library: LlamaLibrary,
    model: LlamaModel,
    context: LlamaContext,
  ) {
    this.#settings = settings;
    this.#library = library;
    this.#model = model;
    this.#chatWrapper = library.resolveChatWrapper(model);
    this.#context = context;
    this.#free = Array.from({ length: settings.parallel }, () => context.getSequence());
    this.contextSize = context.contextSize;
    this.#maxTokenBytes = maxTokenBytes(model);
    this.#tokenBytes = new TokenBytes(model);
  }

  static async load(settings: ModelSettings): Promise<{ engine: LlamaEngine; facts: LoadFacts }> {
    const started = Date.now();
    let model: LlamaModel | null = null;
    try {
      const llama = await llamaRuntime({ threads: settings.threads });
      const library = await llamaLibrary();
      model = await llama.loadModel({ modelPath: settings.path, gpuLayers: gpuLayersFor(llama) });
      const context = await model.createContext({
        sequences: settings.parallel,
        contextSize: Math.min(settings.contextSize, model.trainContextSize),
        threads: settings.threads,
      });
      const engine = new LlamaEngine(settings, library, model, context);
      const facts = {
        gpu: llama.gpu,
        gpuLayers: model.gpuLayers,
        contextSize: context.contextSize,
        ms: Date.now() - started,
      };
      return { engine, facts };
    } catch (error) {
      // Weights loaded but no context fitted (memory): give the weights' memory back.
      await model?.dispose().catch(() => undefined);
      throw error;
    }
  }

  /** Run `work` on a free sequence, with its history cleared. The HTTP thread's gate admits at most `parallel`. */
  async #withSequence<T>(work: (sequence: LlamaContextSequence) => Promise<T>): Promise<T> {
    const sequence = this.#free.pop();
    if (!sequence) throw new Error("A sequence slot was admitted with no free sequence.");
    try {
      await sequence.clearHistory();
      return await work(sequence);
    } finally {
      this.#free.push(sequence);
    }
  }

  /**
   * `capped`: the answer must fit beside the prompt, with no context shift (a grammar's or the function
   * documentation's system prompt cannot be shifted out): it ends with "length" when the context is full.
   */
  #sampling(request: SamplingRequest, signal: AbortSignal, promptTokens = 0, capped = false): Sampling {
    const limit = request.max_completion_tokens ?? request.max_tokens;
    const stop = request.stop == null ? [] : Array.isArray(request.stop) ? request.stop : [request.stop];
    const room = capped ? this.contextSize - promptTokens : this.contextSize;
    return {
      // Without a limit a model that never ends its turn would shift its context forever.
      maxTokens: Math.min(limit ?? room, room),
      // OpenAI's defaults: temperature 1, top_p 1.
      temperature: request.temperature ?? 1,
      topP: request.top_p ?? undefined,
      seed: request.seed ?? undefined,
      customStopTriggers: stop.filter((text) => text.length > 0),
      signal,
      stopOnAbortSignal: false,
    };
  }

  /** The request's token log probabilities, read while it generates; null when it asks for none. */
  #logprobs(request: SamplingRequest): TokenLogprobs | null {
    return request.logprobs ? new TokenLogprobs(this.#tokenBytes, request.logprobs.top) : null;
  }

  /** One generation on a free sequence: `open` puts a chat or a completion generator on it. */
  #generate(generation: Generation): Promise<Generated> {
    const { request, promptTokens, signal, onText, open, logprobs } = generation;
    return this.#withSequence(async (sequence) => {
      const generator = open(sequence);
      const detach = logprobs?.attach(sequence);
      try {
        const meter = sequence.tokenMeter.getState();
        const sampling = this.#sampling(request, signal, promptTokens ?? 0, generation.capped);
        await this.#burst.start(generation.followers);
        const answer = await generator.run({
          ...sampling,
          ...(onText ? { onTextChunk: nonEmpty(onText, logprobs) } : {}),
        });
        // Sampled tokens, including any held back as a possible stop sequence.
        const completionTokens = generatedTokens(sequence, meter, sampling.maxTokens);
        const prompt = promptTokens ?? promptTokensEvaluated(sequence.tokenMeter.diff(meter));
        const whole = logprobs && !generation.streamed ? { logprobs: logprobs.take(answer.text) } : {};
        return { ...answer, usage: usage(prompt, completionTokens), ...whole };
      } finally {
        detach?.();
        generator.dispose();
      }
    });
  }

  /**
   * The prompt's tokens when they must be known before generation, refusing a prompt that leaves no room
   * in the context for an answer before generation (and its history fitting) starts; null when the
   * prompt surely fits and is counted from the sequence afterwards, so it is not tokenised twice.
   */
  #promptTokens(
    bound: number,
    request: SamplingRequest,
    capped: boolean,
    tokenize: () => number,
    param: string,
  ): number | null {
    const limit = request.max_completion_tokens ?? request.max_tokens;
    if (countAfterGeneration({ bound, limit, capped, contextSize: this.contextSize })) return null;
    const promptTokens = tokenize();
    if (promptTokens >= this.contextSize) throw contextLengthExceeded(this.contextSize, promptTokens, param);
    return promptTokens;
  }

  /**
   * Refuses texts that cannot fit whatever their tokens, before tokenising them: no token covers more
   * than the longest token's bytes, so a 10 MB string is refused at once instead of holding this
   * thread (and every local model's requests) for the many seconds its tokenising takes.
   */
  #checkMayFit(texts: readonly string[], param: string, limit = this.contextSize): void {
    if (this.#maxTokenBytes === null) return;
    let bytes = 0;
    for (const text of texts) bytes += Buffer.byteLength(text, "utf8");
    const atLeast = Math.ceil(bytes / this.#maxTokenBytes);
    if (atLeast >= limit) throw contextLengthExceeded(this.contextSize, atLeast, param, true);
  }

  /** A chat completion: text, JSON under a grammar, or tool calls, as the request's plan says. */
  async chat(
    request: SamplingRequest & { messages: ChatMessage[]; plan?: OutputPlan | undefined },
    signal: AbortSignal,
    callbacks: ShapeCallbacks = {},
    followers = 0,
  ): Promise<Generated> {
    const { onText, onTool } = callbacks;
    const logprobs = this.#logprobs(request);
    const shaped = await shapeChat(request.plan, this.#model.llama, toChatHistory(request.messages), {
      onText: onText && nonEmpty(onText, logprobs),
      onTool,
    });
    const { history, availableFunctions } = shaped;
    this.#checkMayFit(history.map(historyText), "messages");
    const { contextText } = this.#chatWrapper.generateContextState({
      chatHistory: history,
      ...(availableFunctions ? { availableFunctions, documentFunctionParams: true } : {}),
    });
    const capped = request.plan !== undefined && request.plan.type !== "text";
    const promptTokens = this.#promptTokens(
      tokenBound(contextText.values),
      request,
      capped,
      () => contextText.tokenize(this.#model.tokenizer).length,
      "messages",
    );
    signal.throwIfAborted();
    return this.#generate({
      request,
      promptTokens,
      signal,
      streamed: onText !== undefined,
      logprobs,
      capped,
      followers,
      open: (sequence) => {
        const chat = new this.#library.LlamaChat({
          contextSequence: sequence,
          chatWrapper: this.#chatWrapper,
          autoDisposeSequence: false,
        });
        return {
          run: async (options) => {
            // A plan sets either a grammar or functions, never both, as node-llama-cpp's option types ask.
            const all = {
              ...options,
              ...shaped.options,
            } as LLamaChatGenerateResponseOptions<ChatModelFunctions>;
            return shaped.finish(await chat.generateResponse(history, all));
          },
          dispose: () => chat.dispose({ disposeSequence: false }),
        };
      },
    });
  }

  async complete(
    request: SamplingRequest,
    prompt: string,
    signal: AbortSignal,
    onText?: OnText,
    followers = 0,
  ): Promise<Generated> {
    this.#checkMayFit([prompt], "prompt");
    // An empty prompt is counted here: the sequence would show the beginning-of-text token, if any.
    const promptTokens = this.#promptTokens(
      prompt.length > 0 ? tokenBound([prompt]) + 1 : Number.POSITIVE_INFINITY,
      request,
      false,
      () => this.#model.tokenize(prompt).length,
      "prompt",
    );
    signal.throwIfAborted();
    const open = (sequence: LlamaContextSequence): Generator => {
      const completion = new this.#library.LlamaCompletion({
        contextSequence: sequence,
        autoDisposeSequence: false,
      });
      return {
        run: async (options) => {
          const answer = await completion.generateCompletionWithMeta(prompt, options);
          return { text: answer.response, finishReason: finishReason(answer.metadata.stopReason) };
        },
        dispose: () => completion.dispose({ disposeSequence: false }),
      };
    };
    const logprobs = this.#logprobs(request);
    return this.#generate({
      request,
      promptTokens,
      signal,
      onText,
      streamed: !!onText,
      open,
      logprobs,
      followers,
    });
  }

  async embed(
    input: EmbeddingRequest["input"],
    dimensions: number | null,
    signal: AbortSignal,
  ): Promise<Embedded> {
    const inputs = embeddingInputs(input);
    for (const text of inputs) this.#checkMayFit([text], "input", this.contextSize + 1);
    try {
      this.#embeddingContext ??= this.#model
        .createEmbeddingContext({ contextSize: this.contextSize, threads: this.#settings.threads })
        .catch((error: unknown) => {
          // Not cached: the next request tries again (memory may have been short for a moment).
          this.#embeddingContext = null;
          throw error;
        });
      const context = await this.#embeddingContext;
      const data: Embedded["data"] = [];
      let tokens = 0;
      for (const [index, text] of inputs.entries()) {
        signal.throwIfAborted();
        const tokenized = this.#model.tokenize(text);
        if (tokenized.length > this.contextSize) {
          throw contextLengthExceeded(this.contextSize, tokenized.length, "input");
        }
        tokens += tokenized.length;
        const embedding = await context.getEmbeddingFor(tokenized);
        data.push({ index, embedding: [...embedding.vector] });
      }
      const length = data[0]?.embedding.length;
      if (dimensions != null && dimensions !== length) {
        throw errors.invalidRequest(
          `This model's embeddings have ${length} dimensions; it cannot give ${dimensions}.`,
          "dimensions",
        );
      }
      return { data, usage: { prompt_tokens: tokens, total_tokens: tokens } };
    } catch (error) {
      if (error instanceof CustodianError || signal.aborted) throw error;
      throw errors.upstream(
        500,
        `The model '${this.#settings.id}' failed to embed the input.`,
        "embedding_failed",
      );
    }
  }

  async close(): Promise<void> {
    if (this.#embeddingContext) await (await this.#embeddingContext.catch(() => null))?.dispose();
    await this.#context.dispose();
    await this.#model.dispose();
  }
}
