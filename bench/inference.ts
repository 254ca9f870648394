// The inference benchmark: tokens per second of Custodian's /v1/chat/completions on a local GGUF (the
// demo model) for one stream and four concurrent streams, against node-llama-cpp used directly in this
// process on the same file with the same settings, and against llama.cpp's own llama-server (llama-server.ts).
import { homedir } from "node:os";
import path from "node:path";
import {
  getLlama,
  LlamaChat,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatHistoryItem,
  type LlamaContextSequence,
} from "node-llama-cpp";
import { ensureDemoModel } from "../src/finetune/demo-model.ts";
import { startCustodianServer } from "./custodian-server.ts";
import { llamaServerBinary, startLlamaServer } from "./llama-server.ts";
import { durationSeconds, readNumber } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("inference");

const PROMPT = "Write a short note about keeping data private.";
const STREAM_COUNTS = [1, 4] as const;

interface Settings {
  maxTokens: number;
  threads: number;
  parallel: number;
  contextSize: number;
  secondsPerRun: number;
}

interface RunResult {
  streams: number;
  requests: number;
  completionTokens: number;
  seconds: number;
  tokensPerSecond: number;
  failures: number;
}

function readSettings(): Settings {
  const seconds = durationSeconds(40);
  return {
    maxTokens: readNumber(
      "BENCH_MAX_TOKENS",
      128,
      (value) => Number.isInteger(value) && value > 0,
      "a whole number above 0",
    ),
    // One thread by default: llama.cpp's threads spin-wait on each other, and on a shared two-core machine a
    // second thread made generation tens of times slower (see RESULTS.md). Custodian gets the same setting.
    threads: readNumber(
      "BENCH_THREADS",
      1,
      (value) => Number.isInteger(value) && value > 0,
      "a whole number above 0",
    ),
    parallel: 4,
    contextSize: 1024,
    // Six runs (three targets, two stream counts) share the budget, after model loads and start-up.
    secondsPerRun: Math.max(2, seconds / 7),
  };
}

/** `streams` clients, each starting its next generation when the last one ends, for `seconds`. */
async function closedLoop(
  streams: number,
  seconds: number,
  generate: (client: number) => Promise<number>,
): Promise<RunResult> {
  let completionTokens = 0;
  let requests = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: streams }, async (_, client) => {
      while (performance.now() < deadline) {
        try {
          completionTokens += await generate(client);
          requests += 1;
        } catch (error) {
          failures += 1;
          if (failures === 1)
            progress(`a generation failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    streams,
    requests,
    completionTokens,
    seconds: elapsed,
    tokensPerSecond: completionTokens / elapsed,
    failures,
  };
}

/** One chat completion over HTTP, as a client of an OpenAI-compatible server sends it; returns its completion tokens. */
function chatCompletions(
  baseUrl: string,
  model: string,
  settings: Settings,
  headers: Record<string, string> = {},
): () => Promise<number> {
  return async () => {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({
        model,
        messages: [{ role: "user", content: PROMPT }],
        max_tokens: settings.maxTokens,
        temperature: 1,
      }),
    });
    const body = (await response.json()) as { usage?: { completion_tokens?: number } };
    if (response.status !== 200 || typeof body.usage?.completion_tokens !== "number") {
      throw new Error(`status ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
    }
    return body.usage.completion_tokens;
  };
}

/** llama.cpp's llama-server on the same file and settings, over the same HTTP client as Custodian. */
async function measureLlamaServer(
  binary: string,
  modelPath: string,
  settings: Settings,
): Promise<RunResult[]> {
  const server = await startLlamaServer(binary, modelPath, settings);
  try {
    const generate = chatCompletions(server.baseUrl, "custodian-demo", settings);
    await generate();
    const results: RunResult[] = [];
    for (const streams of STREAM_COUNTS) {
      progress(`llama-server: ${streams} stream(s) for ${settings.secondsPerRun.toFixed(1)} s`);
      results.push(await closedLoop(streams, settings.secondsPerRun, generate));
    }
    return results;
  } finally {
    await server.stop();
  }
}

async function measureCustodian(modelPath: string, settings: Settings): Promise<RunResult[]> {
  const server = await startCustodianServer({
    demoModelFile: modelPath,
    environment: {
      CUSTODIAN_LLAMA_THREADS: String(settings.threads),
      CUSTODIAN_LLAMA_PARALLEL: String(settings.parallel),
      CUSTODIAN_LLAMA_CONTEXT_SIZE: String(settings.contextSize),
    },
    log: progress,
  });
  try {
    const generate = chatCompletions(server.baseUrl, "custodian-demo", settings, {
      authorization: `Bearer ${server.apiKey}`,
    });
    // The first request loads the model; it is not measured.
    progress("custodian: loading the model with one request");
    await generate();
    const results: RunResult[] = [];
    for (const streams of STREAM_COUNTS) {
      progress(`custodian: ${streams} stream(s) for ${settings.secondsPerRun.toFixed(1)} s`);
      results.push(await closedLoop(streams, settings.secondsPerRun, generate));
    }
    return results;
  } finally {
    await server.stop();
  }
}

async function measureDirect(modelPath: string, settings: Settings): Promise<RunResult[]> {
  // The same runtime options as src/inference/llama/llama-runtime.ts: prebuilt binaries, CPU or CUDA.
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
  try {
    const generate = async (client: number): Promise<number> => {
      const sequence = sequences[client];
      if (!sequence) throw new Error(`no sequence for client ${client}`);
      await sequence.clearHistory();
      const chat = new LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false });
      try {
        const before = sequence.tokenMeter.getState();
        await chat.generateResponse(history, { maxTokens: settings.maxTokens, temperature: 1 });
        return Math.min(sequence.tokenMeter.diff(before).usedOutputTokens, settings.maxTokens);
      } finally {
        chat.dispose({ disposeSequence: false });
      }
    };
    await generate(0);
    const results: RunResult[] = [];
    for (const streams of STREAM_COUNTS) {
      progress(`node-llama-cpp directly: ${streams} stream(s) for ${settings.secondsPerRun.toFixed(1)} s`);
      results.push(await closedLoop(streams, settings.secondsPerRun, generate));
    }
    return results;
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

export async function run(): Promise<number> {
  const settings = readSettings();
  let modelPath = process.env.BENCH_MODEL_PATH;
  if (!modelPath) {
    // Cached outside the repository; the first run trains it (about 20 s on two idle cores).
    const cache = path.join(homedir(), ".cache", "custodian-bench");
    progress(`demo model from ${cache} (built on first use)`);
    modelPath = (await ensureDemoModel(cache)).path;
  }
  const serverBinary = llamaServerBinary(progress);
  const custodian = await measureCustodian(modelPath, settings);
  const direct = await measureDirect(modelPath, settings);
  const reference = serverBinary ? await measureLlamaServer(serverBinary, modelPath, settings) : null;

  const rows: string[][] = [];
  const summary: Record<string, unknown> = {
    model: path.basename(modelPath),
    max_tokens: settings.maxTokens,
    threads: settings.threads,
    parallel: settings.parallel,
    context_size: settings.contextSize,
  };
  STREAM_COUNTS.forEach((streams, index) => {
    const ours = custodian[index];
    const theirs = direct[index];
    const server = reference?.[index];
    if (!ours || !theirs) return;
    const ratio = theirs.tokensPerSecond > 0 ? ours.tokensPerSecond / theirs.tokensPerSecond : Number.NaN;
    for (const [label, result] of [
      [`custodian /v1, ${streams} stream(s)`, ours],
      [`node-llama-cpp direct, ${streams} stream(s)`, theirs],
      ...(server ? ([[`llama-server, ${streams} stream(s)`, server]] as const) : []),
    ] as const) {
      rows.push([
        label,
        String(result.requests),
        String(result.completionTokens),
        (result.requests > 0 ? result.completionTokens / result.requests : 0).toFixed(1),
        result.seconds.toFixed(1),
        result.tokensPerSecond.toFixed(1),
        String(result.failures),
      ]);
    }
    summary[`streams_${streams}`] = {
      custodian_tokens_per_s: round(ours.tokensPerSecond, 1),
      direct_tokens_per_s: round(theirs.tokensPerSecond, 1),
      custodian_vs_direct: round(ratio, 3),
      custodian_tokens_per_request:
        ours.requests > 0 ? round(ours.completionTokens / ours.requests, 1) : null,
      direct_tokens_per_request:
        theirs.requests > 0 ? round(theirs.completionTokens / theirs.requests, 1) : null,
      ...(server
        ? {
            llama_server_tokens_per_s: round(server.tokensPerSecond, 1),
            custodian_vs_llama_server: round(
              server.tokensPerSecond > 0 ? ours.tokensPerSecond / server.tokensPerSecond : Number.NaN,
              3,
            ),
            llama_server_tokens_per_request:
              server.requests > 0 ? round(server.completionTokens / server.requests, 1) : null,
          }
        : {}),
    };
  });
  printTable(
    `Inference: ${path.basename(modelPath)}, max_tokens ${settings.maxTokens}, temperature 1, ` +
      `${settings.threads} threads, ${settings.parallel} sequences, context ${settings.contextSize}, Node ${process.version}`,
    ["target", "requests", "tokens", "tokens/request", "seconds", "tokens/s", "failures"],
    rows,
  );
  summary.llama_server = serverBinary ?? "skipped (BENCH_LLAMA_SERVER=skip)";
  console.log(JSON.stringify(summary));
  const failures = [...custodian, ...direct, ...(reference ?? [])].reduce(
    (sum, result) => sum + result.failures,
    0,
  );
  return failures > 0 ? 1 : 0;
}
