// The footprint benchmark: cold start to ready, idle resident memory, and memory per open stream of
// `custodian serve` without a local model (CUSTODIAN_DEMO_MODEL=0), streams coming from a slow stub upstream.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request as httpRequest, type ClientRequest } from "node:http";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { createBenchDatabase } from "./bench-database.ts";
import { startCustodianServer, type CustodianOptions, type CustodianServer } from "./custodian-server.ts";
import { cpuMilliseconds, freshHome, measureNpmStart } from "./first-start.ts";
import { startStub } from "./gateway.ts";
import { latencyAgent } from "./open-loop.ts";
import { residentMegabytes } from "./process-memory.ts";
import { durationSeconds, readNumber } from "./settings.ts";
import { STREAM_CHUNKS_VARIABLE, STREAM_INTERVAL_VARIABLE, STUB_MODEL } from "./stub-upstream.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("footprint");

function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * Resident memory once it has stopped moving: every reading over a 5 s window (one each 250 ms) within
 * 2 MB, or the last reading after 60 s. A shorter window (two readings 250 ms apart) caught the server
 * before the work it starts a few seconds after it answers (the live trust probes read the database's
 * files), which left tens of MB resident until the next garbage collection.
 */
async function settledMegabytes(pid: number | undefined): Promise<number | null> {
  const window: number[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const current = await residentMegabytes(pid);
    if (current === null) return null;
    window.push(current);
    if (window.length > 20) window.shift();
    if (window.length === 20 && Math.max(...window) - Math.min(...window) < 2) return current;
    if (Date.now() > deadline) return current;
    await pause(250);
  }
}

/**
 * How long the server is left alone before its idle memory is read: it collects once it has been quiet
 * for a few seconds (src/core/collect-when-idle.ts), and V8 gives the freed pages back some seconds later.
 */
const idleAfterMs = 30_000;

/** Resident memory of a server left alone `idleAfterMs` after it answered, once it has stopped moving. */
async function idleMegabytes(pid: number | undefined, readyAt: number): Promise<number | null> {
  await pause(readyAt + idleAfterMs - Date.now());
  return settledMegabytes(pid);
}

interface OpenStreams {
  /** Resolves once every stream has received its first bytes. */
  opened: Promise<void>;
  failures(): number;
  close(): void;
}

/** Opens `count` streamed chat completions that stay open while the slow stub trickles chunks. */
function openStreams(server: CustodianServer, count: number): OpenStreams {
  const agent = latencyAgent();
  const requests: ClientRequest[] = [];
  let failures = 0;
  const body = JSON.stringify({
    model: STUB_MODEL,
    stream: true,
    messages: [{ role: "user", content: "hi" }],
  });
  const opened = Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const request = httpRequest(`${server.baseUrl}/v1/chat/completions`, {
            method: "POST",
            agent,
            headers: { "content-type": "application/json", authorization: `Bearer ${server.apiKey}` },
          });
          requests.push(request);
          request.once("error", () => {
            failures += 1;
            resolve();
          });
          request.once("response", (response) => {
            if (response.statusCode !== 200) failures += 1;
            response.once("data", () => resolve());
            response.once("end", () => resolve());
            response.resume();
            response.on("error", () => {});
          });
          request.end(body);
        }),
    ),
  ).then(() => {});
  return {
    opened,
    failures: () => failures,
    close() {
      for (const request of requests) request.destroy();
      agent.destroy();
    },
  };
}

/** Resident memory split into anonymous memory (heaps, WebAssembly) and mapped files (the node binary), MB. */
async function residentSplit(pid: number | undefined): Promise<{ anon: number; file: number } | null> {
  if (pid === undefined) return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1]) / 1024;
    return { anon: field("RssAnon"), file: field("RssFile") };
  } catch {
    return null;
  }
}

/**
 * Settings of the process outside Custodian's code that shrink idle memory, measured beside the default
 * (not applied by `custodian serve`: they cost CPU per request, docs/memory.md): glibc's allocator with
 * two arenas and large blocks given back to the system at once, and V8's young generation capped at
 * 4 MB per semi-space.
 */
const allocatorTunables = "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072";
const memoryVariants: Record<string, Record<string, string>> = {
  allocator: { MALLOC_ARENA_MAX: "2", GLIBC_TUNABLES: allocatorTunables },
  allocator_and_semi_space: {
    MALLOC_ARENA_MAX: "2",
    GLIBC_TUNABLES: allocatorTunables,
    NODE_OPTIONS: "--max-semi-space-size=4",
  },
};

/** Idle RSS of a cold-started server under each of `memoryVariants`, MB. */
async function variantIdleMegabytes(options: CustodianOptions): Promise<Record<string, number | null>> {
  const idle: Record<string, number | null> = {};
  for (const [name, variables] of Object.entries(memoryVariants)) {
    progress(
      `idle RSS with ${name}: ${Object.entries(variables)
        .map(([key, value]) => `${key}=${value}`)
        .join(" ")}`,
    );
    const server = await startCustodianServer({
      ...options,
      environment: { ...options.environment, ...variables },
      readinessPath: "/readyz",
    });
    try {
      idle[name] = await idleMegabytes(server.service.child.pid, Date.now());
    } finally {
      await server.stop();
    }
  }
  return idle;
}

interface Start {
  ms: number;
  /** CPU time the server used to get there, all threads (read just after it answered). */
  cpuMs: number | null;
}

/** A start, measured: wall time to ready and the server's CPU time by then. */
async function timedStart(options: CustodianOptions): Promise<{ server: CustodianServer; start: Start }> {
  const server = await startCustodianServer({ readinessPath: "/readyz", pollIntervalMs: 5, ...options });
  const cpuMs = await cpuMilliseconds(server.service.child.pid);
  return { server, start: { ms: server.startupMs, cpuMs } };
}

/** Milliseconds from spawning a server on an existing data directory (database already created) to ready. */
async function measureRestart(options: CustodianOptions): Promise<Start> {
  const dataDirectory = await mkdtemp(path.join(tmpdir(), "custodian-bench-restart-"));
  // On PostgreSQL the restart must find the same database, so it is made here rather than per start.
  const database = options.postgres ? await createBenchDatabase() : null;
  if (options.postgres && !database) throw new Error("no PostgreSQL server answers");
  const restartOptions: CustodianOptions = database
    ? { ...options, postgres: false, databaseUrl: database.url }
    : options;
  try {
    await (await startCustodianServer({ ...restartOptions, dataDirectory })).stop();
    const restarted = await timedStart({ ...restartOptions, dataDirectory });
    await restarted.server.stop();
    return restarted.start;
  } finally {
    await rm(dataDirectory, { recursive: true, force: true });
    await database?.drop();
  }
}

export async function run(): Promise<number> {
  const seconds = durationSeconds(30);
  const streamCount = readNumber(
    "BENCH_STREAMS",
    // Enough streams that their memory stands out from the garbage collector's swings of tens of MB.
    1000,
    (value) => Number.isInteger(value) && value > 0,
    "a whole number above 0",
  );
  const starts = 3;
  const loadAtStart = loadavg().map((value) => round(value, 2));
  // Each stream lasts longer than the whole measurement, so all of them are open at the same time.
  const stub = await startStub({
    [STREAM_CHUNKS_VARIABLE]: String(Math.ceil(seconds) * 4),
    [STREAM_INTERVAL_VARIABLE]: "1000",
  });
  const upstreams = [{ name: "stub", baseURL: `http://127.0.0.1:${stub.port}/v1`, models: [STUB_MODEL] }];
  const environment = { CUSTODIAN_DEMO_MODEL: "0" };
  // BENCH_CUSTODIAN_POSTGRES=1: on fresh PostgreSQL databases instead of the embedded PGlite.
  const postgres = process.env.BENCH_CUSTODIAN_POSTGRES === "1";
  const startupMs: number[] = [];
  /** Settled soon after the server answered, before its collection once idle. */
  let atReadyMb: number | null = null;
  let idleMb: number | null = null;
  let warmMb: number | null = null;
  let openMb: number | null = null;
  let closedMb: number | null = null;
  let failures = 0;
  let restart: Start;
  let firstStart: Start;
  let npmStartBuildMs: number | null = null;
  let npmStartMs: number | null = null;
  let idleSplit: { anon: number; file: number } | null = null;
  let variantIdle: Record<string, number | null> = {};
  try {
    progress("a first start, then a restart on the same data directory (database already created)");
    restart = await measureRestart({ upstreams, environment, postgres });
    progress(
      "a first start on a fresh machine: nothing configured (the demo model builds in the background), " +
        "a home of its own (no compile cache, no database templates)",
    );
    const home = await freshHome();
    try {
      const first = await timedStart({ postgres, environment: home.environment });
      firstStart = first.start;
      await first.server.stop();
    } finally {
      await home.remove();
    }
    // BENCH_NPM_START=0 skips it (it rebuilds web/dist in this checkout).
    if (!postgres && process.env.BENCH_NPM_START !== "0") {
      progress("npm start on a fresh home and data directory, the web build forced, to the web app's 200");
      npmStartBuildMs = await measureNpmStart({ forceWebBuild: true });
      progress("npm start again, the web build up to date");
      npmStartMs = await measureNpmStart({ forceWebBuild: false });
    }
    if (process.env.BENCH_MEMORY_VARIANTS !== "0")
      variantIdle = await variantIdleMegabytes({ upstreams, environment, postgres });
    for (let index = 0; index < starts; index += 1) {
      progress(`cold start ${index + 1} of ${starts} (fresh data directory, /readyz polled every 5 ms)`);
      const server = await startCustodianServer({
        upstreams,
        environment,
        postgres,
        readinessPath: "/readyz",
        pollIntervalMs: 5,
      });
      startupMs.push(server.startupMs);
      if (index < starts - 1) {
        await server.stop();
        continue;
      }
      try {
        const pid = server.service.child.pid;
        const readyAt = Date.now();
        atReadyMb = await settledMegabytes(pid);
        idleMb = await idleMegabytes(pid, readyAt);
        idleSplit = await residentSplit(pid);
        progress(
          `idle RSS ${idleMb?.toFixed(1)} MB; one stream first, so lazy start-up work is not counted per stream`,
        );
        const first = openStreams(server, 1);
        await first.opened;
        first.close();
        await pause(500);
        warmMb = await settledMegabytes(pid);
        progress(`opening ${streamCount} slow streams`);
        const streams = openStreams(server, streamCount);
        await Promise.race([streams.opened, pause(seconds * 1000)]);
        await pause(1000);
        openMb = await settledMegabytes(pid);
        failures = streams.failures();
        streams.close();
        await pause(1000);
        closedMb = await settledMegabytes(pid);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await stub.service.stop();
  }

  const sorted = [...startupMs].sort((left, right) => left - right);
  const medianStartMs = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const perStreamMb = openMb !== null && warmMb !== null ? (openMb - warmMb) / streamCount : null;
  // Against the memory once the streams are closed again: the same heap history, without the streams.
  const perStreamClosedMb = openMb !== null && closedMb !== null ? (openMb - closedMb) / streamCount : null;
  const megabytes = (value: number | null, decimals = 1): string =>
    value === null ? "-" : value.toFixed(decimals);
  printTable(
    `Footprint of custodian serve (CUSTODIAN_DEMO_MODEL=0, ${postgres ? "PostgreSQL" : "PGlite"}), Node ${process.version}`,
    ["measure", "value"],
    [
      ["cold start to /readyz 200, median ms", medianStartMs.toFixed(0)],
      [
        "first start on a fresh machine (fresh home), demo model building, to /readyz 200 ms (target < 15000)",
        firstStart.ms.toFixed(0),
      ],
      ["  its CPU time to ready ms", megabytes(firstStart.cpuMs, 0)],
      ["npm start, web build forced, fresh home, to / 200 ms", megabytes(npmStartBuildMs, 0)],
      ["npm start, web build up to date, fresh home, to / 200 ms", megabytes(npmStartMs, 0)],
      ["cold starts ms (fresh data directory)", startupMs.map((value) => value.toFixed(0)).join(", ")],
      ["restart to /readyz 200 ms (existing data; target < 2000)", restart.ms.toFixed(0)],
      ["  its CPU time to ready ms", megabytes(restart.cpuMs, 0)],
      ["RSS settled after ready MB", megabytes(atReadyMb)],
      ["idle RSS MB", megabytes(idleMb)],
      ...Object.entries(variantIdle).map(([name, value]) => [`  idle RSS with ${name} MB`, megabytes(value)]),
      [
        "  anonymous / mapped files MB",
        idleSplit ? `${idleSplit.anon.toFixed(1)} / ${idleSplit.file.toFixed(1)}` : "-",
      ],
      ["RSS after one stream MB", megabytes(warmMb)],
      [`RSS with ${streamCount} open streams MB`, megabytes(openMb)],
      ["RSS after closing them MB", megabytes(closedMb)],
      ["RSS per open stream MB (vs before)", megabytes(perStreamMb, 3)],
      ["RSS per open stream MB (vs after)", megabytes(perStreamClosedMb, 3)],
      ["failed streams", String(failures)],
    ],
  );
  console.log(
    JSON.stringify({
      database: postgres ? "postgresql" : "pglite",
      cold_start_ms: round(medianStartMs, 0),
      first_start_fresh_home_ms: round(firstStart.ms, 0),
      first_start_cpu_ms: firstStart.cpuMs,
      npm_start_web_build_ms: npmStartBuildMs === null ? null : round(npmStartBuildMs, 0),
      npm_start_ms: npmStartMs === null ? null : round(npmStartMs, 0),
      cold_starts_ms: startupMs.map((value) => round(value, 0)),
      restart_ms: round(restart.ms, 0),
      restart_cpu_ms: restart.cpuMs,
      rss_at_ready_mb: atReadyMb === null ? null : round(atReadyMb, 1),
      idle_rss_mb: idleMb === null ? null : round(idleMb, 1),
      idle_rss_anon_mb: idleSplit === null ? null : round(idleSplit.anon, 1),
      idle_rss_file_mb: idleSplit === null ? null : round(idleSplit.file, 1),
      idle_rss_variants_mb: Object.fromEntries(
        Object.entries(variantIdle).map(([name, value]) => [name, value === null ? null : round(value, 1)]),
      ),
      load_average_at_start: loadAtStart,
      rss_after_one_stream_mb: warmMb === null ? null : round(warmMb, 1),
      open_streams: streamCount,
      rss_with_open_streams_mb: openMb === null ? null : round(openMb, 1),
      rss_after_closing_mb: closedMb === null ? null : round(closedMb, 1),
      rss_per_stream_mb: perStreamMb === null ? null : round(perStreamMb, 3),
      rss_per_stream_vs_closed_mb: perStreamClosedMb === null ? null : round(perStreamClosedMb, 3),
      failed_streams: failures,
    }),
  );
  return failures > 0 ? 1 : 0;
}
