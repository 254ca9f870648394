// The one llama.cpp runtime of the process, from node-llama-cpp's prebuilt binaries: its CUDA build when
// a GPU is present (it loads those libraries by their own paths), otherwise the CPU build. Never
// compiles or downloads anything at run time.
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";

let runtime: Promise<Llama> | null = null;

export function llamaRuntime(options: { threads: number }): Promise<Llama> {
  runtime ??= getLlama({
    gpu: "auto",
    build: "never",
    skipDownload: true,
    progressLogs: false,
    maxThreads: options.threads,
    logLevel: LlamaLogLevel.error,
    // llama.cpp's own log lines name tensors and sizes, but we keep them out of our logs altogether:
    // the server logs its own facts about loads and failures.
    logger: () => undefined,
  }).catch((error: unknown) => {
    runtime = null;
    throw error;
  });
  return runtime;
}

/** Layers to offload: as many as fit when a GPU is present, none on a CPU-only machine. */
export function gpuLayersFor(llama: Llama): "auto" | 0 {
  return llama.gpu === false ? 0 : "auto";
}
