// The gateway benchmark: one chat-completion load direct to a stub upstream, via Custodian and via Portkey.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort, startChild, waitForHttpOk, type ChildService } from "./children.ts";
import { runLoad, type LoadOptions, type LoadResult } from "./load.ts";
import { STATS_PATH, STUB_MODEL, type StubStats } from "./stub-upstream.ts";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
const stubEntry = fileURLToPath(new URL("./stub-upstream.ts", import.meta.url));

const TARGET_NAMES = ["direct", "custodian", "portkey"] as const;
type TargetName = (typeof TARGET_NAMES)[number];

const REQUEST_BODY = JSON.stringify({ model: STUB_MODEL, messages: [{ role: "user", content: "hi" }] });
const STARTUP_TIMEOUT_MS = 60_000;

interface Settings {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  targets: TargetName[];
}

/** A server under test, started and checked, ready to take load. */
interface Target {
  name: TargetName;
  url: string;
  headers: Record<string, string>;
  stop(): Promise<void>;
}

interface Measurement {
  name: TargetName;
  warmup: LoadResult | null;
  result: LoadResult;
  /** Completions the stub served during the measured run: shows the gateway really forwarded each request. */
  upstreamHits: number;
}

function readNumber(name: string, fallback: number, check: (value: number) => boolean, rule: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value))
    throw new Error(`${name}=${raw} is invalid: expected ${rule}`);
  return value;
}

function readSettings(): Settings {
  const rawTargets = process.env.BENCH_TARGETS?.trim();
  let targets: TargetName[] = [...TARGET_NAMES];
  if (rawTargets) {
    const requested = rawTargets.split(",").map((name) => name.trim());
    const unknown = requested.filter((name) => !(TARGET_NAMES as readonly string[]).includes(name));
    if (unknown.length > 0) {
      throw new Error(
        `BENCH_TARGETS names unknown targets: ${unknown.join(", ")} (known: ${TARGET_NAMES.join(", ")})`,
      );
    }
    targets = TARGET_NAMES.filter((name) => requested.includes(name));
  }
  return {
    durationSeconds: readNumber("BENCH_DURATION_S", 5, (value) => value > 0, "a number of seconds above 0"),
    warmupSeconds: readNumber("BENCH_WARMUP_S", 1, (value) => value >= 0, "a number of seconds, 0 or more"),
    connections: readNumber(
      "BENCH_CONNECTIONS",
      32,
      (value) => Number.isInteger(value) && value > 0,
      "a whole number above 0",
    ),
    targets,
  };
}

function progress(message: string): void {
  // Progress goes to stderr so that stdout holds only the table and the final JSON line.
  console.error(`[bench gateway] ${message}`);
}

async function startStub(): Promise<{ service: ChildService; port: number }> {
  // A process of its own, so the stub does not share an event loop with autocannon and skew the direct run.
  const service = startChild("stub upstream", process.execPath, [stubEntry], {
    cwd: repositoryRoot,
    env: process.env,
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
async function verifyTarget(target: Target): Promise<void> {
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

function startDirect(stubPort: number): Target {
  return {
    name: "direct",
    url: `http://127.0.0.1:${stubPort}/v1/chat/completions`,
    headers: jsonHeaders({ authorization: "Bearer dummy" }),
    stop: async () => {},
  };
}

async function readBootstrap(dataDirectory: string, service: ChildService): Promise<string> {
  const file = path.join(dataDirectory, "bootstrap.json");
  // The server should write the file before it answers health checks, but a short grace period costs little.
  const deadline = Date.now() + 5_000;
  while (!existsSync(file) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!existsSync(file))
    throw new Error(`custodian is healthy but wrote no ${file}\n${service.describeOutput()}`);
  const bootstrap = JSON.parse(await readFile(file, "utf8")) as { api_key?: unknown };
  if (typeof bootstrap.api_key !== "string" || bootstrap.api_key === "") {
    throw new Error(`${file} has no api_key`);
  }
  return bootstrap.api_key;
}

async function startCustodian(stubPort: number): Promise<Target> {
  const dataDirectory = await mkdtemp(path.join(tmpdir(), "custodian-bench-"));
  const removeDataDirectory = (): void => rmSync(dataDirectory, { recursive: true, force: true });
  // Removed even if the run is interrupted before the orderly stop.
  process.once("exit", removeDataDirectory);
  const port = await findFreePort();

  // Black-box: the server sees only these settings, not CUSTODIAN_* variables that happen to be in the
  // caller's shell (a database URL, say), so every run starts from the same fresh state.
  const environment: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("CUSTODIAN_")),
  );
  Object.assign(environment, {
    CUSTODIAN_DATA_DIR: dataDirectory,
    CUSTODIAN_HTTP: "1",
    CUSTODIAN_HOST: "127.0.0.1",
    CUSTODIAN_PORT: String(port),
    CUSTODIAN_LOG_LEVEL: "warn",
    CUSTODIAN_UPSTREAMS: JSON.stringify([
      { name: "stub", baseURL: `http://127.0.0.1:${stubPort}/v1`, models: [STUB_MODEL] },
    ]),
  });

  progress(`starting custodian on 127.0.0.1:${port} (data dir ${dataDirectory})`);
  const service = startChild("custodian", process.execPath, ["src/main.ts", "serve"], {
    cwd: repositoryRoot,
    env: environment,
  });
  const stop = async (): Promise<void> => {
    await service.stop();
    removeDataDirectory();
    process.removeListener("exit", removeDataDirectory);
  };
  try {
    await waitForHttpOk(`http://127.0.0.1:${port}/healthz`, service, STARTUP_TIMEOUT_MS);
    const apiKey = await readBootstrap(dataDirectory, service);
    return {
      name: "custodian",
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: jsonHeaders({ authorization: `Bearer ${apiKey}` }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startTarget(name: TargetName, stubPort: number): Promise<Target> {
  switch (name) {
    case "direct":
      return Promise.resolve(startDirect(stubPort));
    case "custodian":
      return startCustodian(stubPort);
    case "portkey":
      return startPortkey(stubPort);
  }
}

async function measure(target: Target, stubPort: number, settings: Settings): Promise<Measurement> {
  const load: Omit<LoadOptions, "durationSeconds"> = {
    url: target.url,
    method: "POST",
    headers: target.headers,
    body: REQUEST_BODY,
    connections: settings.connections,
  };
  let warmup: LoadResult | null = null;
  if (settings.warmupSeconds > 0) {
    progress(`${target.name}: warming up for ${settings.warmupSeconds} s`);
    warmup = await runLoad({ ...load, durationSeconds: settings.warmupSeconds });
  }
  progress(
    `${target.name}: measuring for ${settings.durationSeconds} s with ${settings.connections} connections`,
  );
  const before = await readStubCount(stubPort);
  const result = await runLoad({ ...load, durationSeconds: settings.durationSeconds });
  const upstreamHits = (await readStubCount(stubPort)) - before;
  return { name: target.name, warmup, result, upstreamHits };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
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

function printTable(measurements: Measurement[], settings: Settings): void {
  const header = ["target", "rps", "p50 ms", "p99 ms", "responses", "upstream", "non-2xx", "errors"];
  const rows = measurements.map((measurement) => {
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
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const format = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ");
  console.log(
    `\nGateway benchmark: POST /v1/chat/completions, ${settings.connections} connections, ` +
      `${settings.durationSeconds} s measured after ${settings.warmupSeconds} s warm-up, ` +
      `Node ${process.version}`,
  );
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(format(row));
  console.log(
    "(upstream: completions the stub served in the measured run; non-2xx and errors include warm-up)",
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
      const target = await startTarget(name, stub.port);
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
  for (const [name, result] of byName) {
    summary[name] = {
      rps: round(result.rps, 1),
      p50_ms: round(result.p50Ms, 3),
      p99_ms: round(result.p99Ms, 3),
    };
  }
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
  // Last line of stdout, one JSON object, for scripts that track the numbers.
  console.log(JSON.stringify(summary));
  return failed ? 1 : 0;
}
