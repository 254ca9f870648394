// `custodian serve` re-executes itself under its memory settings (src/cli/serve-memory-settings.ts):
// the process that answers is the one its parent started (same pid), with two malloc arenas and a
// 4 MB semi-space; an operator's own MALLOC_ARENA_MAX leaves the process as started (the control).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "./helpers/server-process.ts";

const plainEnvironment = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !name.startsWith("CUSTODIAN_") && name !== "MALLOC_ARENA_MAX" && name !== "GLIBC_TUNABLES",
  ),
);

/** The process's environment and command line, as the kernel has them now (after any execve). */
function processImage(pid: number): { env: string[]; argv: string[] } {
  const read = (file: string) => readFileSync(`/proc/${pid}/${file}`, "utf8").split("\0").filter(Boolean);
  return { env: read("environ"), argv: read("cmdline") };
}

describe.skipIf(process.platform !== "linux")("custodian serve's memory settings", () => {
  let server: ServerProcess | null = null;
  let directory = "";

  afterEach(async () => {
    await server?.stop();
    server = null;
    rmSync(directory, { recursive: true, force: true });
  });

  async function serve(extra: Record<string, string>): Promise<ServerProcess> {
    directory = mkdtempSync(path.join(tmpdir(), "custodian-memory-"));
    server = await startServerProcess(
      {
        ...plainEnvironment,
        CUSTODIAN_DATA_DIR: directory,
        CUSTODIAN_HTTP: "1",
        CUSTODIAN_HOST: "127.0.0.1",
        CUSTODIAN_PORT: "0",
        CUSTODIAN_DEMO_MODEL: "0",
        CUSTODIAN_LOG_LEVEL: "warn",
        ...extra,
      },
      180_000,
    );
    return server;
  }

  it("runs the serving process itself with two malloc arenas and a 4 MB semi-space", async () => {
    const started = await serve({});
    const response = await fetch(`${started.url}/healthz`);
    expect(response.status).toBe(200);
    const image = processImage(started.child.pid!);
    expect(image.env).toContain("MALLOC_ARENA_MAX=2");
    expect(image.env.some((entry) => entry.startsWith("GLIBC_TUNABLES=glibc.malloc.mmap_threshold="))).toBe(
      true,
    );
    expect(image.argv).toContain("--max-semi-space-size=4");
  }, 240_000);

  it("leaves a process whose operator set MALLOC_ARENA_MAX as it was started", async () => {
    const started = await serve({ MALLOC_ARENA_MAX: "8" });
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
    const image = processImage(started.child.pid!);
    expect(image.env).toContain("MALLOC_ARENA_MAX=8");
    expect(image.env.some((entry) => entry.startsWith("GLIBC_TUNABLES="))).toBe(false);
    expect(image.argv).not.toContain("--max-semi-space-size=4");
  }, 240_000);
});
