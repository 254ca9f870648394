// What the backup tests share: a server on a given data directory and database (kept across restarts,
// unlike startTestPlatform's), the `custodian` command line run as a user runs it, fresh PostgreSQL
// databases on the local server, and the conversations and files whose fate the tests check.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI, { toFile } from "openai";
import pg from "pg";
import pino from "pino";
import { afterAll } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { randomToken } from "../../src/core/ids.ts";
import { startServer, type RunningServer } from "../../src/platform/server.ts";
import type { Member } from "../../src/workspace/conversation-types.ts";
import { mainScript } from "./server-process.ts";

/** The PostgreSQL server the production-path half runs on. */
export const postgresUrl =
  process.env.CUSTODIAN_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `custodian_backup_${randomToken(10).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** Runs a query on a PostgreSQL database of the test's and returns its rows. */
export async function query<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

export function environment(
  dataDir: string,
  databaseUrl: string | null,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...extra,
    CUSTODIAN_DATA_DIR: dataDir,
    CUSTODIAN_PORT: "0",
    CUSTODIAN_HTTP: "1",
    CUSTODIAN_LOG_LEVEL: "warn",
    CUSTODIAN_TRUST_PROBE_INTERVAL_MS: "0",
    ...(databaseUrl ? { CUSTODIAN_DATABASE_URL: databaseUrl } : {}),
  };
}

export interface Running {
  server: RunningServer;
  client: OpenAI;
  member: Member;
  close(): Promise<void>;
}

/** A server on `dataDir`; `home` is where the installation's bootstrap file is (another machine's, after a move). */
export async function startOn(
  dataDir: string,
  databaseUrl: string | null,
  options: { env?: Record<string, string>; home?: string } = {},
): Promise<Running> {
  const config = loadConfig(environment(dataDir, databaseUrl, options.env));
  const server = await startServer(config, pino({ level: "silent" }));
  const bootstrap = JSON.parse(readFileSync(`${options.home ?? dataDir}/bootstrap.json`, "utf8")) as {
    api_key: string;
    organization: string;
  };
  return {
    server,
    client: new OpenAI({
      baseURL: `${server.url}/v1`,
      apiKey: bootstrap.api_key,
      maxRetries: 0,
      timeout: 120_000,
    }),
    member: { organizationId: bootstrap.organization, workspaceId: "ws_backup", userId: "user_backup" },
    close: () => server.close(),
  };
}

/** `custodian ARGS` in its own process: its exit code and what it printed. */
export async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const { code, output } = await startCli(args, env).exited;
  return { code, output };
}

export interface Content {
  conversation: string;
  file: string;
  /** The file's bytes, and the messages' texts, as written. */
  fileBytes: Buffer;
  messages: string[];
  canary: string;
}

/** A conversation with two messages and an uploaded file, each holding a fresh canary. */
export async function writeContent(running: Running, label: string): Promise<Content> {
  const canary = `backup-canary-${label}-${randomToken(12)}`;
  const conversations = running.server.platform.workspace.conversations;
  const created = await conversations.create(running.member, {
    model: "fake-model",
    title: `title ${canary}`,
  });
  const messages = [`question ${canary}`, `answer ${canary} ${"x".repeat(2000)}`];
  await conversations.append(running.member, created.id, { role: "user", content: messages[0]! });
  await conversations.append(running.member, created.id, {
    role: "assistant",
    content: messages[1]!,
    model: "m",
  });
  const fileBytes = Buffer.from(`{"note":"file ${canary}"}\n`.repeat(50));
  const file = await running.client.files.create({
    file: await toFile(fileBytes, `${label}.jsonl`),
    purpose: "user_data",
  });
  return { conversation: created.id, file: file.id, fileBytes, messages, canary };
}

export interface CliChild {
  child: ChildProcess;
  /** What it printed so far. */
  output(): string;
  /** Its exit code (null when a signal ended it), the signal, and all it printed. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

/** `custodian ARGS` in its own process, returned while it runs (to be watched, or killed midway). */
export function startCli(args: string[], env: Record<string, string>): CliChild {
  const child = spawn(process.execPath, [mainScript, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, output }))),
  };
}

/**
 * Scratch space for a test file: `temporary(prefix)` makes a directory, `drops` takes the drop of each
 * fresh database; all are removed after the file's tests. Call it at the top of the file.
 */
export function scratch(): { temporary(prefix: string): string; drops: Array<() => Promise<void>> } {
  const directories: string[] = [];
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const drop of drops) await drop().catch(() => undefined);
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });
  return {
    temporary(prefix) {
      const directory = mkdtempSync(path.join(tmpdir(), prefix));
      directories.push(directory);
      return directory;
    },
    drops,
  };
}
