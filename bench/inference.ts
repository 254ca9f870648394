// The inference benchmark: tokens per second and time to first token of Custodian's /v1/chat/completions
// on a local GGUF, at one stream and four concurrent streams, against node-llama-cpp used directly in
// this process on the same file with the same settings, and against llama.cpp's own llama-server
// (llama-server.ts). All three stay loaded for the whole run and their measurements interleave round by
// round (in a rotating order), so a change in the load of a shared machine touches all three alike.
//
// BENCH_MODEL=demo (the default): the tiny demo model, for a few seconds per run.
// BENCH_MODEL=real-sized: a random-weight model in the shape of a real 0.5 B model (random-model.ts),
// each client generating 128 tokens per round, BENCH_ROUNDS rounds (3).
import { homedir, loadavg } from "node:os";
import path from "node:path";
import { ensureDemoModel } from "../src/finetune/demo-model.ts";
import {
  custodianTarget,
  directTarget,
  llamaServerTarget,
  type InferenceSettings,
  type Sample,
  type Target,
} from "./inference-targets.ts";
import { llamaServerBinary } from "./llama-server.ts";
import { ensureRandomModel, randomModelParameters } from "./random-model.ts";
import { durationSeconds, readNumber } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("inference");
const STREAM_COUNTS = [1, 4] as const;
const cache = path.join(homedir(), ".cache", "custodian-bench");

interface Settings extends InferenceSettings {
  realSized: boolean;
  rounds: number;
  /** Each client's share of one run: for so many seconds, or so many generations. */
  run: { seconds: number } | { requestsPerClient: number };
}

/** One target's results at one stream count, summed over the rounds. */
interface Tally {
  requests: number;
  tokens: number;
  seconds: number;
  ttfts: number[];
  /** CPU time of the target's process over its runs; null where it cannot be read. */
  cpuUs: number | null;
  failures: number;
}

function readSettings(): Settings {
  const mode = process.env.BENCH_MODEL?.trim() || "demo";
  if (mode !== "demo" && mode !== "real-sized")
    throw new Error(`BENCH_MODEL=${mode} is invalid: expected demo or real-sized`);
  const realSized = mode === "real-sized";
  const whole = (value: number) => Number.isInteger(value) && value > 0;
  const rounds = readNumber("BENCH_ROUNDS", realSized ? 3 : 1, whole, "a whole number above 0");
  return {
    realSized,
    rounds,
    maxTokens: readNumber("BENCH_MAX_TOKENS", 128, whole, "a whole number above 0"),
    // One thread by default: llama.cpp's threads spin-wait on each other, and on a shared two-core machine a
    // second thread made generation tens of times slower (see RESULTS.md). Every target gets the same setting.
    threads: readNumber("BENCH_THREADS", 1, whole, "a whole number above 0"),
    parallel: 4,
    contextSize: 1024,
    // Demo: six runs (three targets, two stream counts) per round share the budget, after loads and start-up.
    run: realSized ? { requestsPerClient: 1 } : { seconds: Math.max(2, durationSeconds(40) / 7 / rounds) },
  };
}

/** `streams` clients, each starting its next generation when the last one ends, for the run's share. */
async function closedLoop(
  target: Target,
  streams: number,
  run: Settings["run"],
  tally: Tally,
): Promise<void> {
  const cpuBefore = await target.cpuMicroseconds();
  const started = performance.now();
  const deadline = "seconds" in run ? started + run.seconds * 1000 : Number.POSITIVE_INFINITY;
  const perClient = "requestsPerClient" in run ? run.requestsPerClient : Number.POSITIVE_INFINITY;
  await Promise.all(
    Array.from({ length: streams }, async (_, client) => {
      for (let done = 0; done < perClient && performance.now() < deadline; done++) {
        try {
          const sample: Sample = await target.generate(client);
          tally.tokens += sample.tokens;
          tally.requests += 1;
          if (sample.ttftMs !== null) tally.ttfts.push(sample.ttftMs);
        } catch (error) {
          tally.failures += 1;
          if (tally.failures === 1)
            progress(
              `${target.name}: a generation failed: ${error instanceof Error ? error.message : String(error)}`,
            );
        }
      }
    }),
  );
  tally.seconds += (performance.now() - started) / 1000;
  const cpuAfter = await target.cpuMicroseconds();
  tally.cpuUs =
    tally.cpuUs === null || cpuBefore === null || cpuAfter === null
      ? null
      : tally.cpuUs + cpuAfter - cpuBefore;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? null)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const perSecond = (tally: Tally) => (tally.seconds > 0 ? tally.tokens / tally.seconds : 0);
/** CPU milliseconds per generated token, everything the serving process did included. */
const cpuPerToken = (tally: Tally | undefined) =>
  tally && tally.cpuUs !== null && tally.tokens > 0 ? tally.cpuUs / 1000 / tally.tokens : null;
const ratio = (ours: number, theirs: number) => (theirs > 0 ? round(ours / theirs, 3) : null);
const maybe = (value: number | null, decimals: number) => (value === null ? null : round(value, decimals));

/** Tokens per CPU second of `ours` against `theirs`: the ratio a loaded machine disturbs least. */
function perCpuRatio(ours: Tally, theirs: Tally): number | null {
  const [mine, other] = [cpuPerToken(ours), cpuPerToken(theirs)];
  return mine && other ? round(other / mine, 3) : null;
}

/** The JSON figures of one stream count: per target, then the ratios the targets of issue 21 ask for. */
function figures(tallies: Map<string, Tally>): Record<string, number | null> {
  const custodian = tallies.get("custodian");
  const direct = tallies.get("direct");
  const server = tallies.get("llama_server");
  const out: Record<string, number | null> = {};
  for (const [key, tally] of tallies) {
    out[`${key}_tokens_per_s`] = round(perSecond(tally), 1);
    out[`${key}_tokens_per_request`] = tally.requests > 0 ? round(tally.tokens / tally.requests, 1) : null;
    out[`${key}_ttft_p50_ms`] = maybe(median(tally.ttfts), 1);
    out[`${key}_cpu_ms_per_token`] = maybe(cpuPerToken(tally), 2);
  }
  if (custodian && direct) {
    out.custodian_vs_direct = ratio(perSecond(custodian), perSecond(direct));
    out.custodian_vs_direct_per_cpu = perCpuRatio(custodian, direct);
  }
  if (server && custodian) {
    out.custodian_vs_llama_server = ratio(perSecond(custodian), perSecond(server));
    const ours = median(custodian.ttfts);
    const theirs = median(server.ttfts);
    out.custodian_added_ttft_ms = ours !== null && theirs !== null ? round(ours - theirs, 1) : null;
    // Tokens per CPU second against llama-server's: the ratio a loaded machine disturbs least.
    out.custodian_vs_llama_server_per_cpu = perCpuRatio(custodian, server);
  }
  if (server && direct) {
    out.direct_vs_llama_server = ratio(perSecond(direct), perSecond(server));
    out.direct_vs_llama_server_per_cpu = perCpuRatio(direct, server);
  }
  return out;
}

async function modelFile(settings: Settings): Promise<string> {
  const given = process.env.BENCH_MODEL_PATH;
  if (given) return given;
  if (settings.realSized) return ensureRandomModel(cache, progress);
  // Cached outside the repository; the first run trains it (about 20 s on two idle cores).
  progress(`demo model from ${cache} (built on first use)`);
  return (await ensureDemoModel(cache)).path;
}

export async function run(): Promise<number> {
  const settings = readSettings();
  const modelPath = await modelFile(settings);
  const serverBinary = llamaServerBinary(progress);
  const loadStart = loadavg();
  const targets: Array<[string, Target]> = [];
  try {
    progress("loading the targets");
    targets.push(["custodian", await custodianTarget(modelPath, settings, !settings.realSized, progress)]);
    targets.push(["direct", await directTarget(modelPath, settings)]);
    if (serverBinary)
      targets.push(["llama_server", await llamaServerTarget(serverBinary, modelPath, settings)]);
    // The first generation loads Custodian's model and warms every target; it is not measured.
    for (const [, target] of targets) await target.generate(0);

    const results = new Map<number, Map<string, Tally>>();
    for (const streams of STREAM_COUNTS) {
      const tallies = new Map<string, Tally>(
        targets.map(([key]) => [
          key,
          { requests: 0, tokens: 0, seconds: 0, ttfts: [], cpuUs: 0, failures: 0 },
        ]),
      );
      results.set(streams, tallies);
      for (let roundIndex = 0; roundIndex < settings.rounds; roundIndex++) {
        // A rotating order, so that no target always runs first (or last) in a round.
        for (let turn = 0; turn < targets.length; turn++) {
          const entry = targets[(roundIndex + turn) % targets.length];
          if (!entry) continue;
          const [key, target] = entry;
          progress(`round ${roundIndex + 1}/${settings.rounds}: ${target.name}, ${streams} stream(s)`);
          const tally = tallies.get(key);
          if (tally) await closedLoop(target, streams, settings.run, tally);
        }
      }
    }
    return report(settings, modelPath, serverBinary, targets, results, loadStart);
  } finally {
    for (const [, target] of targets.reverse()) await target.stop().catch(() => undefined);
  }
}

function report(
  settings: Settings,
  modelPath: string,
  serverBinary: string | null,
  targets: Array<[string, Target]>,
  results: Map<number, Map<string, Tally>>,
  loadStart: number[],
): number {
  const names = new Map(targets.map(([key, target]) => [key, target.name]));
  const rows: string[][] = [];
  const summary: Record<string, unknown> = {
    model: path.basename(modelPath),
    ...(settings.realSized ? { parameters: randomModelParameters() } : {}),
    max_tokens: settings.maxTokens,
    threads: settings.threads,
    parallel: settings.parallel,
    context_size: settings.contextSize,
    rounds: settings.rounds,
  };
  let failures = 0;
  for (const [streams, tallies] of results) {
    for (const [key, tally] of tallies) {
      failures += tally.failures;
      rows.push([
        `${names.get(key) ?? key}, ${streams} stream(s)`,
        String(tally.requests),
        String(tally.tokens),
        (tally.requests > 0 ? tally.tokens / tally.requests : 0).toFixed(1),
        tally.seconds.toFixed(1),
        perSecond(tally).toFixed(1),
        median(tally.ttfts)?.toFixed(1) ?? "-",
        cpuPerToken(tally)?.toFixed(2) ?? "-",
        String(tally.failures),
      ]);
    }
    summary[`streams_${streams}`] = figures(tallies);
  }
  printTable(
    `Inference: ${path.basename(modelPath)}, max_tokens ${settings.maxTokens}, temperature 1, ` +
      `${settings.threads} threads, ${settings.parallel} sequences, context ${settings.contextSize} per sequence, ` +
      `${settings.rounds} round(s), Node ${process.version}`,
    [
      "target",
      "requests",
      "tokens",
      "tokens/request",
      "seconds",
      "tokens/s",
      "TTFT p50 ms",
      "CPU ms/token",
      "failures",
    ],
    rows,
  );
  summary.llama_server = serverBinary ?? "skipped (BENCH_LLAMA_SERVER=skip)";
  summary.load_average = {
    start: loadStart.map((value) => round(value, 2)),
    end: loadavg().map((value) => round(value, 2)),
  };
  console.log(JSON.stringify(summary));
  return failures > 0 ? 1 : 0;
}
