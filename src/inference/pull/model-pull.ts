// A model pull: resolve the source, download it into the data directory's models folder, check that
// it is a GGUF file, and say what to register.
import { mkdir, open, rm } from "node:fs/promises";
import path from "node:path";
import { errors } from "../../core/errors.ts";
import { downloadModel, type DownloadProgress } from "./model-download.ts";
import { resolveModelSource } from "./model-source.ts";

export interface PullRequest {
  spec: string;
  /** The id clients will use; defaults to the file's name without `.gguf`. */
  id?: string;
  dataDir: string;
  hfEndpoint: string;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface PulledModel {
  id: string;
  path: string;
  source: string;
  sha256: string;
  sizeBytes: number;
  verified: boolean;
}

export function modelsDir(dataDir: string): string {
  return path.join(dataDir, "models");
}

async function isGguf(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.toString("latin1") === "GGUF";
  } finally {
    await handle.close();
  }
}

export async function pullModel(request: PullRequest): Promise<PulledModel> {
  const source = resolveModelSource(request.spec, request.hfEndpoint);
  const directory = modelsDir(request.dataDir);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const result = await downloadModel({
    url: source.url,
    destination: path.join(directory, source.fileName),
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  if (!(await isGguf(result.path))) {
    await rm(result.path, { force: true });
    throw errors.invalidRequest("The downloaded file is not a GGUF model; it was deleted.", "source");
  }
  return {
    id: request.id ?? source.suggestedId,
    path: result.path,
    source: source.spec,
    sha256: result.sha256,
    sizeBytes: result.sizeBytes,
    verified: result.verified,
  };
}
