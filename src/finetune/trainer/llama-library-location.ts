// Finds the libllama and libggml that node-llama-cpp installed, for loading by path.

import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface LlamaLibraryLocation {
  /** The folder `ggml_backend_load_all_from_path` scans for compute backends. */
  binariesDirectory: string;
  llama: string;
  ggml: string;
  ggmlBase: string;
  gpu: boolean;
}

/** node-llama-cpp's package folder, found from its resolved entry point (its exports hide package.json). */
function llamaPackageDirectory(): string {
  let directory = path.dirname(fileURLToPath(import.meta.resolve("node-llama-cpp")));
  while (!existsSync(path.join(directory, "package.json")) || path.basename(directory) !== "node-llama-cpp") {
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error("node-llama-cpp is not installed");
    directory = parent;
  }
  return directory;
}

/**
 * The prebuilt binaries ship in per-platform packages (`@node-llama-cpp/linux-x64`, and
 * `@node-llama-cpp/linux-x64-cuda` for NVIDIA GPUs) whose file names carry the build variant,
 * e.g. `libllama.v0.4.0.so` or `libllama.cuda.v0.4.0.so`, so they are found by pattern.
 */
export function locateLlamaLibrary(options: { gpu?: boolean } = {}): LlamaLibraryLocation {
  const gpu = options.gpu ?? false;
  const platformPackage = `@node-llama-cpp/${process.platform}-${process.arch}${gpu ? "-cuda" : ""}`;
  const llamaPackage = llamaPackageDirectory();
  // npm installs node-llama-cpp's optional platform packages beside it, or nested inside it.
  const binsRoot = [path.dirname(llamaPackage), path.join(llamaPackage, "node_modules")]
    .map((modules) => path.join(modules, platformPackage, "bins"))
    .find((candidate) => existsSync(candidate));
  if (!binsRoot) {
    throw new Error(`node-llama-cpp has no prebuilt binaries for ${platformPackage}`);
  }
  for (const entry of readdirSync(binsRoot)) {
    const directory = path.join(binsRoot, entry);
    const files = existsSync(directory) ? readdirSync(directory) : [];
    const llama = files.find((file) => /^libllama\..*\.so$/.test(file) || file === "libllama.so");
    const ggml = files.find((file) => /^libggml\..*\.so$/.test(file) || file === "libggml.so");
    if (llama && ggml && files.includes("libggml-base.so")) {
      return {
        binariesDirectory: directory,
        llama: path.join(directory, llama),
        ggml: path.join(directory, ggml),
        ggmlBase: path.join(directory, "libggml-base.so"),
        gpu,
      };
    }
  }
  throw new Error(`no libllama found under ${binsRoot}`);
}
