// The gateway benchmark: one chat-completion load direct to a stub upstream, via Custodian and via Portkey.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort, startChild, waitForHttpOk, type ChildService } from "./children.ts";
import { startCustodianServer } from "./custodian-server.ts";
import { runLoad, type LoadOptions, type LoadResult } from "./load.ts";
import {
  fixedRateExchanges,
  serialExchanges,
  summarise,
  type LatencySummary,
  type RequestSpec,
} from "./open-loop.ts";
import { cpuMicroseconds } from "./process-cpu.ts";
import { monotonicMicroseconds, profileWindowFile } from "./profile-summary.ts";
import { residentMegabytes } from "./process-memory.ts";
import { STATS_PATH, STUB_MODEL, type StubStats } from "./stub-upstream.ts";
import { readNumber } from "./settings.ts";
import { printTable as printRows, round } from "./table.ts";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
const stubEntry = fileURLToPath(new URL("./stub-upstream.ts", import.meta.url));

export const TARGET_NAMES = ["direct", "custodian", "portkey"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

const REQUEST_BODY = JSON.stringify({ model: STUB_MODEL, messages: [{ role: "user", content: "hi" }] });
const STARTUP_TIMEOUT_MS = 60_000;
/** The fixed rate of issue 10's p99 target: well under every gateway's maximum, so latency is not queueing. */
const FIXED_RATE = 200;

interface Settings {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  targets: TargetName[];
  /** Seconds of one-at-a-time requests, and of requests at FIXED_RATE per second. */
  serialSeconds: number;
  fixedRateSeconds: number;
}

/** A server under test, started and checked, ready to take load. */
export interface Target {
  name: TargetName;
  url: string;
  headers: Record<string, string>;
  /** The process that serves the target (the stub itself for "direct"), for its resident memory. */
  pid: number | undefined;
  stop(): Promise<void>;
}

interface Latency {
  /** One request at a time. */
  serial: LatencySummary;
  /** Open loop at FIXED_RATE requests per second. */
  fixedRate: LatencySummary;
  fixedRateAchieved: number;
  fixedRateSendLag: LatencySummary;
}

interface Measurement {
  name: TargetName;
  warmup: LoadResult | null;
  result: LoadResult;
  /** Completions the stub served during the measured run: shows the gateway really forwarded each request. */
  upstreamHits: number;
  latency: Latency | null;
  /** Resident memory of the serving process after the runs, in MB. */
  rssMb: number | null;
  /** CPU time (user + system, every thread of the serving process) per response of the measured run. */
  cpuUsPerRequest: number | null;
  /** The same over the warm-up: what a process costs while it is still compiling its hot code. */
  cpuUsPerRequestWarmup: number | null;
}

export function readTargets(): TargetName[] {
  const rawTargets = process.env.BENCH_TARGETS?.trim();
  if (!rawTargets) return [...TARGET_NAMES];
  const requested = rawTargets.split(",").map((name) => name.trim());
  const unknown = requested.filter((name) => !(TARGET_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_TARGETS names unknown targets: ${unknown.join(", ")} (known: ${TARGET_NAMES.join(", ")})`,
    );
  }
  return TARGET_NAMES.filter((name) => requested.includes(name));
}

function readSettings(): Settings {
  const durationSeconds = readNumber(
    "BENCH_DURATION_S",
    5,
    (value) => value > 0,
    "a number of seconds above 0",
  );
  return {
    durationSeconds,
    // Ten seconds: V8 compiles the hot parts of PGlite's WebAssembly on its helper threads during the
    // first seconds of load (several seconds of CPU, once per process). After a one-second warm-up most
    // of that fell inside the measured phase and added about half again to Custodian's CPU per request;
    // `cpu_us_per_request_warmup` still shows it.
    warmupSeconds: readNumber("BENCH_WARMUP_S", 10, (value) => value >= 0, "a number of seconds, 0 or more"),
    connections: readNumber(
      "BENCH_CONNECTIONS",
      32,
      (value) => Number.isInteger(value) && value > 0,
      "a whole number above 0",
    ),
    targets: readTargets(),
    serialSeconds: Math.max(1, durationSeconds * 0.4),
    fixedRateSeconds: Math.max(1, durationSeconds),
  };
}

function progress(message: string): void {
  // Progress goes to stderr so that stdout holds only the table and the final JSON line.
  console.error(`[bench gateway] ${message}`);
}

export async function startStub(
  environment: Record<string, string> = {},
): Promise<{ service: ChildService; port: number }> {
  // A process of its own, so the stub does not share an event loop with the load client and skew the direct run.
  const service = startChild("stub upstream", process.execPath, [stubEntry], {
    cwd: repositoryRoot,
    env: { ...process.env, ...environment },
  });
  try {
    const match = await service.waitForLine(/^\{.*"port":\s*(\d+)/, 10_000);
    return { service, port: Number(match[1]) };
  } catch (error) {
    await service.stop();
    throw error;
  }
}

async function readStubCount(stubPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${stubPort}${STATS_PATH}`);
  const stats = (await response.json()) as StubStats;
  return stats.chat_completions;
}

/** One request must succeed with a chat completion before any load is sent. */
export async function verifyTarget(target: Target): Promise<void> {
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: "POST",
      headers: target.headers,
      body: REQUEST_BODY,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(`check request to ${target.name} (${target.url}) failed: ${String(error)}`, {
      cause: error,
    });
  }
  const text = await response.text();
  let completion: unknown = null;
  try {
    completion = JSON.parse(text);
  } catch {
    // Reported below together with the status.
  }
  const isCompletion =
    typeof completion === "object" &&
    completion !== null &&
    (completion as { object?: unknown }).object === "chat.completion";
  if (response.status !== 200 || !isCompletion) {
    throw new Error(
      `check request to ${target.name} (${target.url}) returned ${response.status}, ` +
        `expected 200 with a chat.completion: ${text.slice(0, 500)}`,
    );
  }
}

function jsonHeaders(extra: Record<string, string>): Record<string, string> {
  return { "content-type": "application/json", ...extra };
}

function startDirect(stubPort: number, stubPid: number | undefined): Target {
  return {
    name: "direct",
    url: `http://127.0.0.1:${stubPort}/v1/chat/completions`,
    headers: jsonHeaders({ authorization: "Bearer dummy" }),
    pid: stubPid,
    stop: async () => {},
  };
}

function httpProcesses(): number {
  return readNumber(
    "BENCH_HTTP_PROCESSES",
    1,
    (value) => Number.isInteger(value) && value >= 1,
    "a whole number, 1 or more",
  );
}

async function startCustodian(stubPort: number): Promise<Target> {
  const server = await startCustodianServer({
    upstreams: [{ name: "stub", baseURL: `http://127.0.0.1:${stubPort}/v1`, models: [STUB_MODEL] }],
    // BENCH_CUSTODIAN_POSTGRES=1: Custodian on a fresh PostgreSQL database instead of the embedded PGlite.
    // BENCH_HTTP_PROCESSES=N: N serving processes sharing the port (CUSTODIAN_HTTP_PROCESSES), which
    // needs PostgreSQL; their CPU is summed (the primary and its children).
    postgres: process.env.BENCH_CUSTODIAN_POSTGRES === "1" || httpProcesses() > 1,
    processes: httpProcesses(),
    log: progress,
  });
  return {
    name: "custodian",
    url: `${server.baseUrl}/v1/chat/completions`,
    headers: jsonHeaders({ authorization: `Bearer ${server.apiKey}` }),
    pid: server.service.child.pid,
    stop: server.stop,
  };
}

/** The gateway's Node entry point, found through its package.json "bin" rather than a hard-coded path. */
function portkeyEntry(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("@portkey-ai/gateway/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
    bin?: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === "string" ? manifest.bin : Object.values(manifest.bin ?? {})[0];
  if (!bin) throw new Error(`${manifestPath} names no bin to start the gateway with`);
  return path.join(path.dirname(manifestPath), bin);
}

async function startPortkey(stubPort: number): Promise<Target> {
  const port = await findFreePort();
  progress(`starting portkey gateway on port ${port}`);
  // --headless and NODE_ENV=production leave out the gateway's local log UI and log stream, as a production
  // deployment would. It takes its port only from --port= and always listens on all interfaces.
  const service = startChild("portkey", process.execPath, [portkeyEntry(), `--port=${port}`, "--headless"], {
    cwd: repositoryRoot,
    env: { ...process.env, NODE_ENV: "production" },
  });
  const stop = (): Promise<void> => service.stop();
  try {
    await waitForHttpOk(`http://127.0.0.1:${port}/`, service, STARTUP_TIMEOUT_MS);
    return {
      name: "portkey",
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: jsonHeaders({
        authorization: "Bearer dummy",
        "x-portkey-provider": "openai",
        // 127.0.0.1 is on the gateway's default list of trusted custom hosts.
        "x-portkey-custom-host": `http://127.0.0.1:${stubPort}/v1`,
      }),
      pid: service.child.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function startTarget(
  name: TargetName,
  stubPort: number,
  stubPid: number | undefined,
): Promise<Target> {
  switch (name) {
    case "direct":
      return Promise.resolve(startDirect(stubPort, stubPid));
    case "custodian":
      return startCustodian(stubPort);
    case "portkey":
      return startPortkey(stubPort);
  }
}

const perResponse = (from: number | null, to: number | null, run: LoadResult | null): number | null =>
  from === null || to === null || !run || run.responses === 0 ? null : (to - from) / run.responses;

async function measure(target: Target, stubPort: number, settings: Settings): Promise<Measurement> {
  const load: Omit<LoadOptions, "durationSeconds"> = {
    url: target.url,
    method: "POST",
    headers: target.headers,
    body: REQUEST_BODY,
    connections: settings.connections,
  };
  let warmup: LoadResult | null = null;
  const cpuAtStart = await cpuMicroseconds(target.pid);
  if (settings.warmupSeconds > 0) {
    progress(`${target.name}: warming up for ${settings.warmupSeconds} s`);
    warmup = await runLoad({ ...load, durationSeconds: settings.warmupSeconds });
  }
  progress(
    `${target.name}: measuring for ${settings.durationSeconds} s with ${settings.connections} connections`,
  );
  const before = await readStubCount(stubPort);
  const cpuBefore = await cpuMicroseconds(target.pid);
  const startUs = monotonicMicroseconds();
  const result = await runLoad({ ...load, durationSeconds: settings.durationSeconds });
  const cpuAfter = await cpuMicroseconds(target.pid);
  // With BENCH_CPU_PROF_DIR, profile-summary.ts counts only this throughput phase's samples.
  const profileDirectory = process.env.BENCH_CPU_PROF_DIR;
  if (profileDirectory && target.name === "custodian") {
    const window = { start_us: startUs, end_us: monotonicMicroseconds() };
    mkdirSync(profileDirectory, { recursive: true });
    writeFileSync(path.join(profileDirectory, profileWindowFile), JSON.stringify(window));
  }
  const upstreamHits = (await readStubCount(stubPort)) - before;
  const latency = await measureLatency(target, settings);
  return {
    name: target.name,
    warmup,
    result,
    upstreamHits,
    latency,
    rssMb: await residentMegabytes(target.pid),
    cpuUsPerRequest: perResponse(cpuBefore, cpuAfter, result),
    cpuUsPerRequestWarmup: perResponse(cpuAtStart, cpuBefore, warmup),
  };
}

/** After the throughput run (which also warmed the target up): serial latency, then latency at a fixed rate. */
async function measureLatency(target: Target, settings: Settings): Promise<Latency> {
  const spec: RequestSpec = { url: target.url, method: "POST", headers: target.headers, body: REQUEST_BODY };
  progress(`${target.name}: serial requests for ${settings.serialSeconds} s`);
  const serial = await serialExchanges(spec, settings.serialSeconds);
  progress(`${target.name}: ${FIXED_RATE} requests/s, open loop, for ${settings.fixedRateSeconds} s`);
  const fixed = await fixedRateExchanges(spec, FIXED_RATE, settings.fixedRateSeconds);
  return {
    serial: summarise(
      serial.exchanges.map((exchange) => exchange.totalUs),
      serial.failures,
    ),
    fixedRate: summarise(
      fixed.exchanges.map((exchange) => exchange.totalUs),
      fixed.failures,
    ),
    fixedRateAchieved: fixed.achievedRate,
    fixedRateSendLag: fixed.lag,
  };
}

function failuresOf(measurement: Measurement): {
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
} {
  const runs = measurement.warmup ? [measurement.warmup, measurement.result] : [measurement.result];
  const statusCodes: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes)) {
      if (!code.startsWith("2")) statusCodes[code] = (statusCodes[code] ?? 0) + count;
    }
  }
  return {
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    statusCodes,
  };
}

const milliseconds = (microseconds: number): string => (microseconds / 1000).toFixed(3);

function printTable(measurements: Measurement[], settings: Settings): void {
  printRows(
    `Gateway benchmark: POST /v1/chat/completions, ${settings.connections} connections (autocannon), ` +
      `${settings.durationSeconds} s measured after ${settings.warmupSeconds} s warm-up, Node ${process.version}`,
    [
      "target",
      "rps",
      "p50 ms",
      "p99 ms",
      "responses",
      "upstream",
      "non-2xx",
      "errors",
      "RSS MB",
      "CPU µs/req",
    ],
    measurements.map((measurement) => {
      const { result } = measurement;
      const failures = failuresOf(measurement);
      return [
        measurement.name,
        result.rps.toFixed(1),
        result.p50Ms.toFixed(3),
        result.p99Ms.toFixed(3),
        String(result.responses),
        String(measurement.upstreamHits),
        String(failures.non2xx),
        String(failures.errors),
        measurement.rssMb === null ? "-" : measurement.rssMb.toFixed(1),
        measurement.cpuUsPerRequest === null ? "-" : measurement.cpuUsPerRequest.toFixed(1),
      ];
    }),
  );
  console.log(
    "(upstream: completions the stub served in the measured run; non-2xx and errors include warm-up; " +
      "RSS: the serving process after all runs, the stub for direct; CPU: user + system time of every " +
      "thread of the serving process over the measured run, per response)",
  );
  const direct = measurements.find((measurement) => measurement.name === "direct")?.latency;
  const added = (value: number, base: number | undefined): string =>
    base === undefined ? "-" : `${value - base >= 0 ? "+" : ""}${milliseconds(value - base)}`;
  printRows(
    `Latency (open-loop client, microsecond timestamps at the send): serial for ${settings.serialSeconds} s, ` +
      `then ${FIXED_RATE} requests/s for ${settings.fixedRateSeconds} s`,
    [
      "target",
      "serial n",
      "serial p50 ms",
      "added p50",
      `@${FIXED_RATE}/s n`,
      "p50 ms",
      "p99 ms",
      "added p99",
      "achieved/s",
      "send lag p99 ms",
      "failures",
    ],
    measurements.map((measurement) => {
      const latency = measurement.latency;
      if (!latency) return [measurement.name, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"];
      return [
        measurement.name,
        String(latency.serial.count),
        milliseconds(latency.serial.p50Us),
        added(latency.serial.p50Us, direct?.serial.p50Us),
        String(latency.fixedRate.count),
        milliseconds(latency.fixedRate.p50Us),
        milliseconds(latency.fixedRate.p99Us),
        added(latency.fixedRate.p99Us, direct?.fixedRate.p99Us),
        latency.fixedRateAchieved.toFixed(1),
        milliseconds(latency.fixedRateSendLag.p99Us),
        String(latency.serial.failures + latency.fixedRate.failures),
      ];
    }),
  );
}

export async function run(): Promise<number> {
  const settings = readSettings();
  const stub = await startStub();
  progress(`stub upstream listening on 127.0.0.1:${stub.port}`);
  const measurements: Measurement[] = [];
  try {
    // One target at a time, each stopped before the next starts, so they never compete for the CPU.
    for (const name of settings.targets) {
      const target = await startTarget(name, stub.port, stub.service.child.pid);
      try {
        await verifyTarget(target);
        measurements.push(await measure(target, stub.port, settings));
      } finally {
        await target.stop();
      }
    }
  } finally {
    await stub.service.stop();
  }

  printTable(measurements, settings);

  let failed = false;
  for (const measurement of measurements) {
    const failures = failuresOf(measurement);
    const latencyFailures =
      (measurement.latency?.serial.failures ?? 0) + (measurement.latency?.fixedRate.failures ?? 0);
    if (latencyFailures > 0) {
      failed = true;
      console.log(`FAILED ${measurement.name}: ${latencyFailures} failed requests in the latency runs`);
    }
    if (failures.non2xx > 0 || failures.errors > 0) {
      failed = true;
      const codes = Object.entries(failures.statusCodes)
        .map(([code, count]) => `${code}: ${count}`)
        .join(", ");
      console.log(
        `FAILED ${measurement.name}: ${failures.non2xx} non-2xx responses${codes ? ` (${codes})` : ""}, ` +
          `${failures.errors} connection errors`,
      );
    }
    if (measurement.upstreamHits < measurement.result.responses - measurement.result.non2xx) {
      console.log(
        `NOTE ${measurement.name}: ${measurement.result.responses - measurement.result.non2xx} successful ` +
          `responses but only ${measurement.upstreamHits} reached the upstream (answered from a cache?)`,
      );
    }
  }

  const summary: Record<string, unknown> = {};
  const byName = new Map(measurements.map((measurement) => [measurement.name, measurement.result]));
  const latencyOf = new Map(measurements.map((measurement) => [measurement.name, measurement.latency]));
  for (const measurement of measurements) {
    const { result, latency } = measurement;
    summary[measurement.name] = {
      rps: round(result.rps, 1),
      p50_ms: round(result.p50Ms, 3),
      p99_ms: round(result.p99Ms, 3),
      serial_p50_ms: latency ? round(latency.serial.p50Us / 1000, 3) : null,
      [`p50_at_${FIXED_RATE}_ms`]: latency ? round(latency.fixedRate.p50Us / 1000, 3) : null,
      [`p99_at_${FIXED_RATE}_ms`]: latency ? round(latency.fixedRate.p99Us / 1000, 3) : null,
      rss_mb: measurement.rssMb === null ? null : round(measurement.rssMb, 1),
      cpu_us_per_request: measurement.cpuUsPerRequest === null ? null : round(measurement.cpuUsPerRequest, 1),
      cpu_us_per_request_warmup:
        measurement.cpuUsPerRequestWarmup === null ? null : round(measurement.cpuUsPerRequestWarmup, 1),
    };
  }
  const addedMs = (name: TargetName, pick: (latency: Latency) => number): number | null => {
    const target = latencyOf.get(name);
    const direct = latencyOf.get("direct");
    return target && direct ? round((pick(target) - pick(direct)) / 1000, 3) : null;
  };
  summary.added_latency_ms = {
    custodian_serial_p50: addedMs("custodian", (latency) => latency.serial.p50Us),
    portkey_serial_p50: addedMs("portkey", (latency) => latency.serial.p50Us),
    [`custodian_p99_at_${FIXED_RATE}`]: addedMs("custodian", (latency) => latency.fixedRate.p99Us),
    [`portkey_p99_at_${FIXED_RATE}`]: addedMs("portkey", (latency) => latency.fixedRate.p99Us),
  };
  const ratio = (numerator: TargetName, denominator: TargetName): number | null => {
    const top = byName.get(numerator);
    const bottom = byName.get(denominator);
    return top && bottom && bottom.rps > 0 ? round(top.rps / bottom.rps, 3) : null;
  };
  summary.overhead = {
    custodian_vs_direct: ratio("custodian", "direct"),
    portkey_vs_direct: ratio("portkey", "direct"),
    custodian_vs_portkey: ratio("custodian", "portkey"),
  };
  const cpuOf = new Map(measurements.map((measurement) => [measurement.name, measurement.cpuUsPerRequest]));
  const cpuRatio = (numerator: TargetName, denominator: TargetName): number | null => {
    const top = cpuOf.get(numerator);
    const bottom = cpuOf.get(denominator);
    return top != null && bottom != null && bottom > 0 ? round(top / bottom, 3) : null;
  };
  // The issue's targets: Custodian's CPU per request at most 0.2x Portkey's and at most 4x the stub's.
  summary.cpu_per_request = {
    custodian_vs_portkey: cpuRatio("custodian", "portkey"),
    custodian_vs_direct: cpuRatio("custodian", "direct"),
  };
  // Last line of stdout, one JSON object, for scripts that track the numbers.
  console.log(JSON.stringify(summary));
  return failed ? 1 : 0;
}
