// Several `custodian serve` processes on one fresh PostgreSQL database, as an operator runs many nodes:
// the same database URL, master key and upstreams, each node its own data directory, and every other
// setting (the cache lifetimes included) left at its default. With browser sessions on any node.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freshServerDatabase } from "./database.ts";
import { mainScript, startServerProcess, type ServerProcess } from "./server-process.ts";

const run = promisify(execFile);

export interface Cluster {
  nodes: ServerProcess[];
  /** The organisation, project and API key node A made on the empty database (bootstrap.json). */
  organization: string;
  project: string;
  /** The environment every node was started with (node A's data directory). */
  env: NodeJS.ProcessEnv;
  /** Run a `custodian` command on node A's data directory (through its admin socket); its stdout. */
  custodian(...args: string[]): Promise<string>;
  close(): Promise<void>;
}

/** The environment without any CUSTODIAN_* setting of the test runner's own: defaults are the point. */
function baseEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CUSTODIAN_")));
}

export async function startCluster(count: number, upstreams: unknown[]): Promise<Cluster> {
  const database = await freshServerDatabase();
  if (!database) throw new Error("a cluster needs CUSTODIAN_TEST_DATABASE_URL (a PostgreSQL server)");
  const shared = {
    CUSTODIAN_DATABASE_URL: database.url,
    // Nodes of one installation share the master key.
    CUSTODIAN_MASTER_KEY: randomBytes(32).toString("base64"),
    CUSTODIAN_UPSTREAMS: JSON.stringify(upstreams),
    CUSTODIAN_HTTP: "1",
    CUSTODIAN_PORT: "0",
    CUSTODIAN_LOG_LEVEL: "warn",
    // Tests may name a client behind this host (X-Forwarded-For), so one test's failed sign-ins or
    // keys, throttled per client address, do not throttle another's.
    CUSTODIAN_TRUSTED_PROXIES: "127.0.0.1",
  };
  const dataDirs = Array.from({ length: count }, (_, index) =>
    mkdtempSync(path.join(tmpdir(), `custodian-node-${String.fromCharCode(97 + index)}-`)),
  );
  const environments = dataDirs.map((dataDir) => ({
    ...baseEnvironment(),
    ...shared,
    CUSTODIAN_DATA_DIR: dataDir,
  }));
  const nodes: ServerProcess[] = [];
  const close = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await database.drop();
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // The first node finds the database empty and makes the first organisation; then the others join.
    nodes.push(await startServerProcess(environments[0]!, 180_000));
    nodes.push(...(await Promise.all(environments.slice(1).map((env) => startServerProcess(env, 180_000)))));
  } catch (error) {
    await close();
    throw error;
  }
  const bootstrap = JSON.parse(readFileSync(path.join(dataDirs[0]!, "bootstrap.json"), "utf8")) as {
    organization: string;
    project: string;
  };
  return {
    nodes,
    organization: bootstrap.organization,
    project: bootstrap.project,
    env: environments[0]!,
    async custodian(...args) {
      const { stdout } = await run(process.execPath, [mainScript, ...args], {
        env: environments[0],
        timeout: 120_000,
      });
      return stdout;
    },
    close,
  };
}

/** A browser's session: its cookies and CSRF token, usable on any node (behind a load balancer). */
export interface BrowserSession {
  cookie: string;
  csrf: string | null;
}

export function sessionFrom(response: Response): BrowserSession {
  const cookies = response.headers.getSetCookie().map((entry) => entry.split(";")[0]!);
  const csrf = cookies.find((entry) => entry.startsWith("custodian_csrf="))?.split("=")[1] ?? null;
  return { cookie: cookies.join("; "), csrf };
}

/** A request on `node` with the session's cookies, its CSRF token and the node's own origin. */
export function onNode(node: ServerProcess, session: BrowserSession, route: string, init: RequestInit = {}) {
  return fetch(`${node.url}${route}`, {
    ...init,
    redirect: "manual",
    headers: {
      cookie: session.cookie,
      origin: node.url,
      ...(session.csrf ? { "x-csrf-token": session.csrf } : {}),
      ...(init.body ? { "content-type": "application/json" } : {}),
    },
  });
}

/** Sign in with the local owner's password on `node`. */
export async function signIn(
  node: ServerProcess,
  account: { organization: string; email: string; password: string },
): Promise<BrowserSession> {
  const response = await fetch(`${node.url}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: node.url },
    body: JSON.stringify(account),
  });
  if (response.status !== 200)
    throw new Error(`sign-in on ${node.url}: ${response.status} ${await response.text()}`);
  return sessionFrom(response);
}
