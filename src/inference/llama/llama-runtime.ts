// The one llama.cpp runtime of the process, from node-llama-cpp's prebuilt binaries: its CUDA build when
// a GPU is present (it loads those libraries by their own paths), otherwise the CPU build. Never
// compiles or downloads anything at run time.
import type * as NodeLlamaCpp from "node-llama-cpp";
import type { Llama } from "node-llama-cpp";
import { lazyModule } from "../../core/lazy-module.ts";

/** node-llama-cpp's exports, loaded at first use. */
export type LlamaLibrary = typeof NodeLlamaCpp;

let runtime: Promise<Llama> | null = null;

/**
 * node-llama-cpp, imported on first use: the library and its dependencies take tens of MB and most of
 * a second to load, and a server with no local model (or a CLI command) never needs them.
 */
export const llamaLibrary = lazyModule<LlamaLibrary>(() => import("node-llama-cpp"));

export function llamaRuntime(options: { threads: number }): Promise<Llama> {
  runtime ??= llamaLibrary()
    .then(({ getLlama, LlamaLogLevel }) =>
      getLlama({
        gpu: "auto",
        build: "never",
        skipDownload: true,
        progressLogs: false,
        maxThreads: options.threads,
        logLevel: LlamaLogLevel.error,
        // llama.cpp's own log lines name tensors and sizes, but we keep them out of our logs altogether:
        // the server logs its own facts about loads and failures.
        logger: () => undefined,
      }),
    )
    .catch((error: unknown) => {
      runtime = null;
      throw error;
    });
  return runtime;
}

/** Layers to offload: as many as fit when a GPU is present, none on a CPU-only machine. */
export function gpuLayersFor(llama: Llama): "auto" | 0 {
  return llama.gpu === false ? 0 : "auto";
}
