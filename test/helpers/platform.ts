// Starts a real Custodian server for a test: its own data directory, its own database (PGlite, or a
// fresh database on the PostgreSQL test server), real HTTP(S) on 127.0.0.1, and an OpenAI client.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import OpenAI from "openai";
import { Agent } from "undici";
import { afterAll, beforeAll } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/platform/platform.ts";
import { startServer, type RunningServer } from "../../src/platform/server.ts";
import { freshServerDatabase } from "./database.ts";
import { startFakeUpstream, type FakeUpstream } from "./fake-upstream.ts";
import type { RawScanSources } from "../../src/privacy/raw-scan.ts";

export interface TestPlatform {
  server: RunningServer;
  dataDir: string;
  apiKey: string;
  organization: string;
  project: string;
  /** Everything the server logged, for canary checks. */
  logs(): string;
  client(options?: { apiKey?: string; maxRetries?: number; timeout?: number }): OpenAI;
  close(): Promise<void>;
}

export async function startTestPlatform(
  options: { env?: Record<string, string>; https?: boolean; upstreams?: unknown[] } = {},
): Promise<TestPlatform> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "custodian-"));
  const database = await freshServerDatabase();
  const config = loadConfig({
    CUSTODIAN_DATA_DIR: dataDir,
    CUSTODIAN_PORT: "0",
    CUSTODIAN_HTTP: options.https ? "0" : "1",
    CUSTODIAN_LOG_LEVEL: "debug",
    // The live trust probes run on demand only: a round at start would share the machine with the test.
    CUSTODIAN_TRUST_PROBE_INTERVAL_MS: "0",
    ...(database ? { CUSTODIAN_DATABASE_URL: database.url } : {}),
    ...(options.upstreams ? { CUSTODIAN_UPSTREAMS: JSON.stringify(options.upstreams) } : {}),
    ...options.env,
  });
  let logged = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logged += String(chunk);
      done();
    },
  });
  const server = await startServer(config, createLogger({ logLevel: "debug" }, sink));
  const bootstrap = JSON.parse(readFileSync(path.join(dataDir, "bootstrap.json"), "utf8")) as {
    api_key: string;
    organization: string;
    project: string;
  };
  const dispatcher = server.caFile
    ? new Agent({ connect: { ca: readFileSync(server.caFile, "utf8") } })
    : undefined;
  return {
    server,
    dataDir,
    apiKey: bootstrap.api_key,
    organization: bootstrap.organization,
    project: bootstrap.project,
    logs: () => logged,
    client: (clientOptions = {}) =>
      new OpenAI({
        baseURL: `${server.url}/v1`,
        apiKey: clientOptions.apiKey ?? bootstrap.api_key,
        maxRetries: clientOptions.maxRetries ?? 0,
        timeout: clientOptions.timeout ?? 120_000,
        ...(dispatcher ? { fetchOptions: { dispatcher } } : {}),
      }),
    async close() {
      await server.close();
      await dispatcher?.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PlatformWithUpstream extends TestPlatform {
  /** The fake model server behind the platform's one upstream, "fake", serving "fake-model". */
  upstream: FakeUpstream;
}

/** A test platform whose one upstream is a fake model server serving "fake-model". */
export async function startTestPlatformWithUpstream(
  options: Omit<Parameters<typeof startTestPlatform>[0] & object, "upstreams"> = {},
): Promise<PlatformWithUpstream> {
  const upstream = await startFakeUpstream();
  const platform = await startTestPlatform({
    ...options,
    upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }],
  });
  return {
    ...platform,
    upstream,
    async close() {
      await platform.close();
      await upstream.close();
    },
  };
}

/**
 * What the raw scanner reads for a test platform: its database's files (with the WAL), its data
 * directory and its captured log, into which the scanner's canary line is logged.
 */
export function scanSources(platform: TestPlatform): RawScanSources {
  const core = platform.server.platform;
  return {
    db: core.db,
    pgliteDir: path.join(platform.dataDir, "pgdata"),
    directories: [platform.dataDir],
    log: {
      read: () => platform.logs(),
      write: (line) => core.logger.info({ canary: line }, "raw scan canary"),
    },
  };
}

/** How long starting or closing a suite's platform may take on a loaded machine. */
const suiteHookTimeoutMs = 300_000;

/**
 * A test platform with a fake upstream for the enclosing describe block: started before its tests
 * (before any beforeAll registered after this call) and closed after them. The value returned is the
 * platform itself once started, so a suite reads `platform.server` as before.
 */
export function useTestPlatformWithUpstream(
  options: Parameters<typeof startTestPlatformWithUpstream>[0] = {},
): PlatformWithUpstream {
  return forTheSuite(() => startTestPlatformWithUpstream(options));
}

/** A test platform (no upstream) for the enclosing describe block, as useTestPlatformWithUpstream. */
export function useTestPlatform(options: Parameters<typeof startTestPlatform>[0] = {}): TestPlatform {
  return forTheSuite(() => startTestPlatform(options));
}

function forTheSuite<Platform extends TestPlatform>(start: () => Promise<Platform>): Platform {
  let started: Platform | undefined;
  beforeAll(async () => {
    started = await start();
  }, suiteHookTimeoutMs);
  afterAll(async () => {
    await started?.close();
  }, suiteHookTimeoutMs);
  const current = (): Platform => {
    if (!started) throw new Error("The test platform is read before its suite has started it.");
    return started;
  };
  // Each property is read from the started platform when used; the describe block's body runs before
  // any hook, so the platform cannot be handed over as a plain value there.
  return new Proxy({} as Platform, {
    get: (_target, property) =>
      property === "then" && !started ? undefined : Reflect.get(current(), property),
    has: (_target, property) => Reflect.has(current(), property),
  });
}
