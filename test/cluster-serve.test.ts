// CUSTODIAN_HTTP_PROCESSES: `custodian serve` answering from two processes that share the port on one
// PostgreSQL database, and one SIGTERM stopping them all cleanly; on embedded PGlite it is refused.
//
// The PostgreSQL part runs only with CUSTODIAN_TEST_DATABASE_URL (embedded PGlite admits one process).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freshServerDatabase, serverUrl } from "./helpers/database.ts";
import { mainScript, startServerProcess, type ServerProcess } from "./helpers/server-process.ts";
import { waitFor } from "./helpers/wait-for.ts";

/** The processes `pid` started (its children), from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number),
  );
}

/** How many of the TCP connections from `clientPorts` to local `port` process `pid` holds, from /proc. */
function connectionsHeld(pid: number, port: number, clientPorts: ReadonlySet<number>): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // Closed while we looked.
    }
  }
  const portOf = (address: string | undefined) => Number.parseInt(address?.split(":")[1] ?? "", 16);
  return readFileSync(`/proc/${pid}/net/tcp`, "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(
      (fields) => portOf(fields[1]) === port && clientPorts.has(portOf(fields[2])) && inodes.has(fields[9]!),
    ).length;
}

/** This process's environment without CUSTODIAN_* settings (a database URL in the shell, say). */
const plainEnvironment = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith("CUSTODIAN_")),
);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("CUSTODIAN_HTTP_PROCESSES", () => {
  it("is refused with a clear message on the embedded database", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "custodian-cluster-pglite-"));
    try {
      const child = spawn(process.execPath, [mainScript, "serve"], {
        env: {
          ...plainEnvironment,
          CUSTODIAN_DATA_DIR: directory,
          CUSTODIAN_HTTP: "1",
          CUSTODIAN_HOST: "127.0.0.1",
          CUSTODIAN_PORT: "0",
          CUSTODIAN_HTTP_PROCESSES: "2",
          CUSTODIAN_DEMO_MODEL: "0",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code).toBe(2);
      expect(output).toContain("Invalid setting CUSTODIAN_HTTP_PROCESSES");
      expect(output).toContain("PostgreSQL");
      expect(output).not.toContain("listening on");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 120_000);

  describe.skipIf(!serverUrl)("on PostgreSQL", () => {
    let directory: string;
    let server: ServerProcess | null = null;
    let drop: (() => Promise<void>) | null = null;

    afterAll(async () => {
      await server?.stop();
      await drop?.();
      rmSync(directory, { recursive: true, force: true });
    });

    it("[PLAT-3] answers from two processes sharing the port, and one SIGTERM stops them all", async () => {
      const database = (await freshServerDatabase())!;
      drop = database.drop;
      directory = mkdtempSync(path.join(tmpdir(), "custodian-cluster-"));
      server = await startServerProcess(
        {
          ...plainEnvironment,
          CUSTODIAN_DATA_DIR: directory,
          CUSTODIAN_HTTP: "1",
          CUSTODIAN_HOST: "127.0.0.1",
          CUSTODIAN_PORT: "0",
          CUSTODIAN_DATABASE_URL: database.url,
          CUSTODIAN_HTTP_PROCESSES: "2",
          CUSTODIAN_DEMO_MODEL: "0",
          CUSTODIAN_LOG_LEVEL: "warn",
        },
        180_000,
      );
      const primary = server.child.pid!;
      // Each serving process says it listens; the second starts once the first does.
      await waitFor(() => (server!.output().match(/listening on /g) ?? []).length === 2, {
        timeoutMs: 180_000,
      });
      const workers = childrenOf(primary);
      expect(workers).toHaveLength(2);
      const port = Number(new URL(server.url).port);

      // Eight connections held open, each answered once: the primary hands new connections out in turn.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      try {
        const clientPorts = new Set<number>();
        const statuses = await Promise.all(
          Array.from(
            { length: 8 },
            () =>
              new Promise<number>((resolve, reject) => {
                http
                  .get(`${server!.url}/healthz`, { agent }, (response) => {
                    clientPorts.add(response.socket.localPort!);
                    response.resume();
                    response.once("end", () => resolve(response.statusCode ?? 0));
                  })
                  .once("error", reject);
              }),
          ),
        );
        expect(statuses).toEqual(Array(8).fill(200));
        expect(clientPorts.size).toBe(8);
        const held = workers.map((pid) => connectionsHeld(pid, port, clientPorts));
        // Positive control: every answered connection is found in one of the two processes.
        expect(held.reduce((sum, count) => sum + count, 0)).toBe(8);
        expect(held.every((count) => count > 0)).toBe(true);
      } finally {
        agent.destroy();
      }

      await server.stop();
      expect(server.child.exitCode).toBe(0);
      for (const pid of workers) expect(alive(pid)).toBe(false);
      expect(server.output()).not.toMatch(/ended \(/);
    }, 400_000);
  });
});
