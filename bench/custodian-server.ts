// Starts `custodian serve` as a black box for the benchmarks: a fresh data directory, only the settings
// given, the bootstrap API key read back, and everything removed on stop.
import { existsSync, rmSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createBenchDatabase, type BenchDatabase } from "./bench-database.ts";
import { findFreePort, startChild, waitForHttpOk, type ChildService } from "./children.ts";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
const STARTUP_TIMEOUT_MS = 60_000;

export interface CustodianOptions {
  /** CUSTODIAN_UPSTREAMS entries; none for a server with only local models (or none at all). */
  upstreams?: { name: string; baseURL: string; models: string[] }[];
  /** More CUSTODIAN_* settings, e.g. CUSTODIAN_DEMO_MODEL=0. */
  environment?: Record<string, string>;
  /** A demo model file to place in the data directory's model cache, so the server does not build one. */
  demoModelFile?: string;
  /** Answers 200 once the server is ready: /healthz (the process answers) or /readyz (its dependencies too). */
  readinessPath?: "/healthz" | "/readyz";
  /**
   * A data directory the caller owns and removes, to start again on the state of an earlier run (a
   * restart); by default each server gets a fresh directory, removed when it stops.
   */
  dataDirectory?: string;
  /** A PostgreSQL database the caller owns (created and dropped by it), e.g. to restart on the same data. */
  databaseUrl?: string;
  /** Run on a fresh PostgreSQL database of the bench's own instead of the embedded PGlite. */
  postgres?: boolean;
  /**
   * Serving processes (CUSTODIAN_HTTP_PROCESSES, PostgreSQL only): the server is ready once each of
   * them has said it listens.
   */
  processes?: number;
  /** How often readiness is polled; the start-up time is only as precise as this. */
  pollIntervalMs?: number;
  /** For error messages and progress lines. */
  log?: (message: string) => void;
}

export interface CustodianServer {
  port: number;
  baseUrl: string;
  apiKey: string;
  service: ChildService;
  /** "pglite", or "postgresql" when it runs on a database of the bench's own. */
  database: "pglite" | "postgresql";
  /** Milliseconds from spawning the process to the first 200 on the readiness path. */
  startupMs: number;
  stop(): Promise<void>;
}

async function readBootstrap(dataDirectory: string, service: ChildService): Promise<string> {
  const file = path.join(dataDirectory, "bootstrap.json");
  // The server should write the file before it answers health checks, but a short grace period costs little.
  const deadline = Date.now() + 5_000;
  while (!existsSync(file) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!existsSync(file))
    throw new Error(`custodian is healthy but wrote no ${file}\n${service.describeOutput()}`);
  const bootstrap = JSON.parse(await readFile(file, "utf8")) as { api_key?: unknown };
  if (typeof bootstrap.api_key !== "string" || bootstrap.api_key === "")
    throw new Error(`${file} has no api_key`);
  return bootstrap.api_key;
}

/** Waits until `processes` serving processes have each printed that they listen. */
async function allListening(service: ChildService, processes: number): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while ((service.stdout().match(/listening on /g) ?? []).length < processes) {
    if (service.hasExited() || Date.now() > deadline)
      throw new Error(`not all ${processes} serving processes started\n${service.describeOutput()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startCustodianServer(options: CustodianOptions = {}): Promise<CustodianServer> {
  const dataDirectory = options.dataDirectory ?? (await mkdtemp(path.join(tmpdir(), "custodian-bench-")));
  const removeDataDirectory = (): void => {
    if (!options.dataDirectory) rmSync(dataDirectory, { recursive: true, force: true });
  };
  // Removed even if the run is interrupted before the orderly stop.
  process.once("exit", removeDataDirectory);
  if (options.demoModelFile) {
    // The name the server looks for (see src/finetune/demo-model.ts): the cached file of the current recipe.
    const models = path.join(dataDirectory, "models");
    await mkdir(models, { recursive: true });
    await copyFile(options.demoModelFile, path.join(models, path.basename(options.demoModelFile)));
  }
  const port = await findFreePort();
  let database: BenchDatabase | null = null;
  if (options.postgres) {
    database = await createBenchDatabase();
    if (!database)
      throw new Error("no PostgreSQL server answers (CUSTODIAN_BENCH_DATABASE_URL or the local one)");
  }

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
    ...(database ? { CUSTODIAN_DATABASE_URL: database.url } : {}),
    ...(options.databaseUrl ? { CUSTODIAN_DATABASE_URL: options.databaseUrl } : {}),
    ...(options.upstreams ? { CUSTODIAN_UPSTREAMS: JSON.stringify(options.upstreams) } : {}),
    ...(options.processes ? { CUSTODIAN_HTTP_PROCESSES: String(options.processes) } : {}),
    ...options.environment,
  });

  options.log?.(`starting custodian on 127.0.0.1:${port} (data dir ${dataDirectory})`);
  const started = performance.now();
  // BENCH_CPU_PROF_DIR: write a V8 CPU profile of the server there when it stops (see profile-summary.ts).
  const profileDirectory = process.env.BENCH_CPU_PROF_DIR;
  const profiling = profileDirectory ? ["--cpu-prof", `--cpu-prof-dir=${profileDirectory}`] : [];
  const service = startChild("custodian", process.execPath, [...profiling, "src/main.ts", "serve"], {
    cwd: repositoryRoot,
    env: environment,
  });
  const stop = async (): Promise<void> => {
    await service.stop();
    await database?.drop();
    removeDataDirectory();
    process.removeListener("exit", removeDataDirectory);
  };
  try {
    await waitForHttpOk(
      `http://127.0.0.1:${port}${options.readinessPath ?? "/healthz"}`,
      service,
      STARTUP_TIMEOUT_MS,
      options.pollIntervalMs,
    );
    await allListening(service, options.processes ?? 1);
    const startupMs = performance.now() - started;
    const apiKey = await readBootstrap(dataDirectory, service);
    return {
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey,
      service,
      database: database || options.databaseUrl ? "postgresql" : "pglite",
      startupMs,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
