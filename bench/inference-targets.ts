// The three targets of `bench inference`, each loaded once and kept loaded for the whole run so that
// their measurements can interleave: Custodian's /v1/chat/completions (a server process), node-llama-cpp
// used directly in this process, and llama.cpp's own llama-server. Every generation is streamed, so
// each one gives its completion tokens and its time to first token.
import {
  getLlama,
  LlamaChat,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatHistoryItem,
  type LlamaContextSequence,
} from "node-llama-cpp";
import { startCustodianServer } from "./custodian-server.ts";
import { cpuMicroseconds } from "./process-cpu.ts";
import { startLlamaServer } from "./llama-server.ts";

export const PROMPT = "Write a short note about keeping data private.";

export interface InferenceSettings {
  maxTokens: number;
  threads: number;
  parallel: number;
  /** Tokens per sequence, as node-llama-cpp and Custodian count it. */
  contextSize: number;
}

/** One generation: its completion tokens, and milliseconds until its first text arrived (null: none did). */
export interface Sample {
  tokens: number;
  ttftMs: number | null;
}

export interface Target {
  name: string;
  /** One generation by client number `client` (0 to parallel - 1). */
  generate(client: number): Promise<Sample>;
  /**
   * CPU time used so far by whatever serves this target (all threads), in microseconds: on a shared
   * machine, CPU time per token moves far less with the load than tokens per second do.
   */
  cpuMicroseconds(): Promise<number | null>;
  stop(): Promise<void>;
}

/** The `data:` payloads of a server-sent event stream, as they arrive. */
async function* eventData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  const reader = body.getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      pending += decoder.decode(read.value, { stream: true });
      let end = pending.indexOf("\n\n");
      while (end >= 0) {
        for (const line of pending.slice(0, end).split("\n"))
          if (line.startsWith("data:")) yield line.slice(5).trim();
        pending = pending.slice(end + 2);
        end = pending.indexOf("\n\n");
      }
    }
  } finally {
    // The consumer stops at [DONE]; let the connection go rather than hold it open.
    await reader.cancel().catch(() => undefined);
  }
}

interface ChunkShape {
  choices?: Array<{ delta?: { content?: unknown } }>;
  /** llama-server's own /completion events: the text, and the count in the last one. */
  content?: unknown;
  tokens_predicted?: unknown;
  usage?: { completion_tokens?: unknown } | null;
}

/** One streamed chat completion, as a client of an OpenAI-compatible server sends it. */
function streamedChat(
  baseUrl: string,
  model: string,
  settings: InferenceSettings,
  extra: { headers?: Record<string, string>; body?: Record<string, unknown>; path?: string } = {},
): () => Promise<Sample> {
  return async () => {
    const started = performance.now();
    const response = await fetch(`${baseUrl}${extra.path ?? "/v1/chat/completions"}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...extra.headers },
      body: JSON.stringify({
        model,
        messages: [{ role: "user", content: PROMPT }],
        max_tokens: settings.maxTokens,
        temperature: 1,
        stream: true,
        stream_options: { include_usage: true },
        ...extra.body,
      }),
    });
    if (response.status !== 200 || !response.body) {
      throw new Error(`status ${response.status}: ${(await response.text()).slice(0, 300)}`);
    }
    let ttftMs: number | null = null;
    let tokens: number | null = null;
    for await (const data of eventData(response.body)) {
      if (data === "[DONE]") break;
      const chunk = JSON.parse(data) as ChunkShape;
      const content = chunk.choices?.[0]?.delta?.content ?? chunk.content;
      if (ttftMs === null && typeof content === "string" && content.length > 0)
        ttftMs = performance.now() - started;
      if (typeof chunk.usage?.completion_tokens === "number") tokens = chunk.usage.completion_tokens;
      if (typeof chunk.tokens_predicted === "number") tokens = chunk.tokens_predicted;
    }
    if (tokens === null) throw new Error("the stream ended without usage");
    return { tokens, ttftMs };
  };
}

/** Custodian serving the GGUF as a configured local model (or as the demo model, for the demo file). */
export async function custodianTarget(
  modelPath: string,
  settings: InferenceSettings,
  asDemoModel: boolean,
  log: (message: string) => void,
): Promise<Target> {
  const model = asDemoModel ? "custodian-demo" : "bench-model";
  const server = await startCustodianServer({
    ...(asDemoModel ? { demoModelFile: modelPath } : {}),
    environment: {
      CUSTODIAN_LLAMA_THREADS: String(settings.threads),
      CUSTODIAN_LLAMA_PARALLEL: String(settings.parallel),
      CUSTODIAN_LLAMA_CONTEXT_SIZE: String(settings.contextSize),
      ...(asDemoModel
        ? {}
        : { CUSTODIAN_DEMO_MODEL: "0", CUSTODIAN_MODELS: JSON.stringify([{ id: model, path: modelPath }]) }),
    },
    log,
  });
  const generate = streamedChat(server.baseUrl, model, settings, {
    headers: { authorization: `Bearer ${server.apiKey}` },
  });
  return {
    name: "custodian /v1",
    generate,
    cpuMicroseconds: () => cpuMicroseconds(server.service.child.pid),
    stop: () => server.stop(),
  };
}

/** llama.cpp's llama-server on the same file and settings, generating exactly max_tokens (`ignore_eos`). */
export async function llamaServerTarget(
  binary: string,
  modelPath: string,
  settings: InferenceSettings,
): Promise<Target> {
  const server = await startLlamaServer(binary, modelPath, settings);
  // Its OpenAI endpoints parse every answer for the template's format and fail a stream of random
  // tokens ("does not match the expected Content-only format"), so it gets the same ChatML prompt,
  // rendered, on its own /completion endpoint: the same tokens in, the same sampling out.
  const generate = streamedChat(server.baseUrl, "bench-model", settings, {
    path: "/completion",
    body: {
      messages: undefined,
      prompt: `<|im_start|>user\n${PROMPT}<|im_end|>\n<|im_start|>assistant\n`,
      n_predict: settings.maxTokens,
      ignore_eos: true,
    },
  });
  return {
    name: "llama-server",
    generate,
    cpuMicroseconds: () => cpuMicroseconds(server.pid),
    stop: () => server.stop(),
  };
}

/** node-llama-cpp in this process, with the runtime options and chat rendering Custodian uses. */
export async function directTarget(modelPath: string, settings: InferenceSettings): Promise<Target> {
  // As src/inference/llama/llama-runtime.ts: prebuilt binaries, CPU or CUDA.
  const llama = await getLlama({
    gpu: "auto",
    build: "never",
    skipDownload: true,
    progressLogs: false,
    maxThreads: settings.threads,
    logLevel: LlamaLogLevel.error,
    logger: () => undefined,
  });
  const model = await llama.loadModel({ modelPath, gpuLayers: llama.gpu === false ? 0 : "auto" });
  const context = await model.createContext({
    sequences: settings.parallel,
    contextSize: Math.min(settings.contextSize, model.trainContextSize),
    threads: settings.threads,
  });
  const sequences: LlamaContextSequence[] = Array.from({ length: settings.parallel }, () =>
    context.getSequence(),
  );
  const chatWrapper = resolveChatWrapper(model);
  // As src/inference/llama/chat-history.ts renders a request: the user turn, then an empty model turn.
  const history: ChatHistoryItem[] = [
    { type: "user", text: PROMPT },
    { type: "model", response: [] },
  ];
  const generate = async (client: number): Promise<Sample> => {
    const sequence = sequences[client];
    if (!sequence) throw new Error(`no sequence for client ${client}`);
    const started = performance.now();
    await sequence.clearHistory();
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false });
    try {
      const before = sequence.tokenMeter.getState();
      let ttftMs: number | null = null;
      await chat.generateResponse(history, {
        maxTokens: settings.maxTokens,
        temperature: 1,
        onTextChunk: (text) => {
          if (ttftMs === null && text.length > 0) ttftMs = performance.now() - started;
        },
      });
      const tokens = Math.min(sequence.tokenMeter.diff(before).usedOutputTokens, settings.maxTokens);
      return { tokens, ttftMs };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  };
  const stop = async () => {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  };
  // This process: while this target runs, nothing else of the benchmark does.
  const cpu = () => {
    const used = process.cpuUsage();
    return Promise.resolve(used.user + used.system);
  };
  return { name: "node-llama-cpp direct", generate, cpuMicroseconds: cpu, stop };
}
