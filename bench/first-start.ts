// The first start on a fresh machine, for the footprint benchmark: a home directory of its own (no
// compile cache, no database templates in ~/.cache/custodian), and `npm start` as a user runs it.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort } from "./children.ts";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

export interface FreshHome {
  /** HOME and the compile cache's variable, both pointing into the new, empty directory. */
  environment: Record<string, string>;
  remove(): Promise<void>;
}

/** An empty home directory: what the server caches between runs (compiled code, templates) is not there. */
export async function freshHome(): Promise<FreshHome> {
  const home = await mkdtemp(path.join(tmpdir(), "custodian-bench-home-"));
  return {
    environment: { HOME: home, NODE_COMPILE_CACHE: path.join(home, ".cache", "custodian", "compile") },
    // Retried: a server stopping may still be writing its compile cache there.
    remove: () => rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }),
  };
}

/** CPU time (user + system, every thread) a process has used so far, in ms; null where /proc has none. */
export async function cpuMilliseconds(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** The environment a black-box start sees: the caller's, without any CUSTODIAN_* setting of its own. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CUSTODIAN_")));
}

/**
 * Milliseconds from running `npm start` (the web build, then `custodian serve` with nothing configured,
 * so the demo model builds in the background) on a fresh home and data directory to the web app's page
 * answering 200. `forceWebBuild` removes the web build's stamp first, so the build runs as on a fresh
 * checkout; otherwise it is skipped when web/ has not changed.
 */
export async function measureNpmStart(options: { forceWebBuild: boolean }): Promise<number> {
  const home = await freshHome();
  const dataDirectory = await mkdtemp(path.join(tmpdir(), "custodian-bench-npm-start-"));
  if (options.forceWebBuild)
    await rm(path.join(repositoryRoot, "web", "dist", ".build-hash"), { force: true });
  const port = await findFreePort();
  const started = performance.now();
  const child = spawn("npm", ["start", "--silent"], {
    cwd: repositoryRoot,
    // Its own process group: npm starts a shell that starts node, and the whole group is stopped.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...cleanEnvironment(),
      ...home.environment,
      CUSTODIAN_DATA_DIR: dataDirectory,
      CUSTODIAN_HTTP: "1",
      CUSTODIAN_HOST: "127.0.0.1",
      CUSTODIAN_PORT: String(port),
      CUSTODIAN_LOG_LEVEL: "warn",
    },
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = false;
  const ended = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (exited) throw new Error(`npm start ended before answering\n${output}`);
      if (Date.now() > deadline) throw new Error(`npm start did not answer within 180 s\n${output}`);
      const status = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) }).then(
        async (response) => (await response.arrayBuffer(), response.status),
        () => 0,
      );
      if (status === 200) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (!exited && child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group ended meanwhile.
      }
    };
    signalGroup("SIGTERM");
    const killer = setTimeout(() => signalGroup("SIGKILL"), 10_000);
    await ended;
    clearTimeout(killer);
    await rm(dataDirectory, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    await home.remove();
  }
}
