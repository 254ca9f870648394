// llama.cpp's own `llama-server`, the reference of `bench inference`: built from the llama.cpp source that
// node-llama-cpp ships (a git bundle in its package, the same revision as its prebuilt library), once,
// into a cache outside the repository. Only this benchmark builds it; nothing in Custodian uses it.
//
// The build takes many minutes on two cores. BENCH_LLAMA_SERVER=skip leaves it out (the summary then says
// why); BENCH_LLAMA_SERVER=/path/to/llama-server uses a binary built elsewhere.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort, startChild, waitForHttpOk } from "./children.ts";

const packageLlama = fileURLToPath(new URL("../node_modules/node-llama-cpp/llama/", import.meta.url));

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.slice(-4000);
    throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}):\n${output}`);
  }
}

/** The revision in node-llama-cpp's bundle: the cache is per revision. */
function bundledRevision(bundle: string): string {
  const result = spawnSync("git", ["bundle", "list-heads", bundle], { encoding: "utf8" });
  const revision = /^([0-9a-f]{40}) HEAD$/m.exec(result.stdout ?? "")?.[1];
  if (result.status !== 0 || !revision) throw new Error(`cannot read the llama.cpp bundle ${bundle}`);
  return revision;
}

/**
 * The path of a llama-server binary, building it when the cache has none; null when BENCH_LLAMA_SERVER=skip.
 * Needs git, cmake and a C++ compiler (Debian: `apt-get install -y cmake g++ git`).
 */
export function llamaServerBinary(progress: (message: string) => void): string | null {
  const setting = process.env.BENCH_LLAMA_SERVER?.trim();
  if (setting === "skip") return null;
  if (setting) {
    if (!existsSync(setting)) throw new Error(`BENCH_LLAMA_SERVER=${setting}: no such file`);
    return setting;
  }
  const bundle = path.join(packageLlama, "gitRelease.bundle");
  const revision = bundledRevision(bundle);
  const root = path.join(homedir(), ".cache", "custodian-bench", `llama.cpp-${revision.slice(0, 12)}`);
  const binary = path.join(root, "build", "bin", "llama-server");
  if (existsSync(binary)) return binary;

  progress(`building llama-server from node-llama-cpp's llama.cpp (${revision.slice(0, 12)}) in ${root}`);
  progress("(once per revision; many minutes on two cores)");
  const source = path.join(root, "source");
  if (!existsSync(path.join(source, "CMakeLists.txt"))) {
    rmSync(source, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    run("git", ["clone", "--quiet", bundle, source], root);
  }
  // Built in a side directory and moved into place, so an interrupted build is never taken for a finished one.
  const building = path.join(root, "build.partial");
  run(
    "cmake",
    [
      "-S",
      source,
      "-B",
      building,
      "-DCMAKE_BUILD_TYPE=Release",
      "-DLLAMA_CURL=OFF",
      "-DLLAMA_BUILD_TESTS=OFF",
      "-DLLAMA_BUILD_EXAMPLES=OFF",
      "-DLLAMA_BUILD_SERVER=ON",
      "-DGGML_NATIVE=ON",
    ],
    root,
  );
  run("cmake", ["--build", building, "--target", "llama-server", "-j", String(availableParallelism())], root);
  rmSync(path.join(root, "build"), { recursive: true, force: true });
  renameSync(building, path.join(root, "build"));
  return binary;
}

export interface LlamaServer {
  baseUrl: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts llama-server on the GGUF with the benchmark's settings, and waits until it serves. */
export async function startLlamaServer(
  binary: string,
  modelPath: string,
  settings: { threads: number; parallel: number; contextSize: number },
): Promise<LlamaServer> {
  const port = await findFreePort();
  const service = startChild(
    "llama-server",
    binary,
    [
      "--model",
      modelPath,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--threads",
      String(settings.threads),
      "--parallel",
      String(settings.parallel),
      // llama-server splits --ctx-size among its slots, where node-llama-cpp (and Custodian) give each
      // sequence a context of contextSize tokens: the same room per sequence on both sides.
      "--ctx-size",
      String(settings.contextSize * settings.parallel),
      // Each request evaluates its whole prompt, as Custodian's do: Custodian clears a sequence before
      // each request, so that no request's state (or its timing) depends on another client's prompt.
      "--no-cache-prompt",
    ],
    // Its shared libraries lie beside it; the run path it was linked with names the side directory it
    // was built in (build.partial), renamed since.
    {
      cwd: path.dirname(binary),
      env: {
        ...process.env,
        LD_LIBRARY_PATH: [path.dirname(binary), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
      },
    },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttpOk(`${baseUrl}/health`, service, 120_000);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { baseUrl, pid: service.child.pid, stop: () => service.stop() };
}
