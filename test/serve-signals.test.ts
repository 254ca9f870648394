// `custodian serve` stopped by a signal the moment it answers: an orchestrator may stop a server as soon
// as its readiness probe passes, while the server still finishes its start (workers, the admin socket).
// The signal must still close it in order (exit code 0, the admin socket and token removed), not end
// the process by Node's default action.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshServerDatabase } from "./helpers/database.ts";
import { mainScript } from "./helpers/server-process.ts";
import { waitFor } from "./helpers/wait-for.ts";

/** A TCP port nothing listens on just now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("custodian serve and signals", () => {
  let dataDir: string;
  let database: Awaited<ReturnType<typeof freshServerDatabase>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "custodian-signals-"));
    database = await freshServerDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(["SIGTERM", "SIGINT"] as const)(
    "closes in order on a %s sent as soon as /readyz first answers",
    async (signal) => {
      const port = await freePort();
      const child = spawn(process.execPath, [mainScript, "serve"], {
        env: {
          ...process.env,
          CUSTODIAN_DATA_DIR: dataDir,
          CUSTODIAN_HTTP: "1",
          CUSTODIAN_PORT: String(port),
          CUSTODIAN_LOG_LEVEL: "warn",
          CUSTODIAN_DEMO_MODEL: "0",
          ...(database ? { CUSTODIAN_DATABASE_URL: database.url } : {}),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once("exit", (code, signalCode) => resolve({ code, signal: signalCode })),
      );
      // Polled tightly so the signal lands while the start is still finishing: the first answer comes
      // before the workers, the upload sweep and the admin socket.
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`serve ended early:\n${output}`);
          const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
          return response?.ok === true;
        },
        { intervalMs: 2 },
      );
      child.kill(signal);
      const ended = await exited;
      expect(ended, output).toEqual({ code: 0, signal: null });
      // The orderly close removes what the start made for the CLI, whether or not it got that far.
      expect(existsSync(path.join(dataDir, "admin.sock"))).toBe(false);
      expect(existsSync(path.join(dataDir, "admin.token"))).toBe(false);
    },
    300_000,
  );
});
