// `custodian models pull <hf:owner/repo/file.gguf | https URL> [--id ID]`: download with a progress bar,
// resume and checksum, then register the model (through the running server if there is one).
import path from "node:path";
import type { Config } from "../config/config.ts";
import { CustodianError } from "../core/errors.ts";
import { pullModel } from "../inference/pull/model-pull.ts";
import { CommandError, runOperation } from "./admin-client.ts";
import { progressBar } from "./models-progress.ts";

export interface PulledAndRegistered {
  id: string;
  path: string;
  source: string;
  sha256: string;
  size_bytes: number;
  verified: boolean;
}

export async function modelsPull(
  config: Readonly<Config>,
  spec: string,
  options: { id?: string; progress?: NodeJS.WriteStream },
): Promise<PulledAndRegistered> {
  const bar = progressBar(options.progress ?? process.stderr, path.basename(spec));
  let pulled;
  try {
    pulled = await pullModel({
      spec,
      ...(options.id ? { id: options.id } : {}),
      dataDir: config.dataDir,
      hfEndpoint: config.hfEndpoint,
      onProgress: bar.update,
    });
  } catch (error) {
    bar.done();
    if (error instanceof CustodianError) throw new CommandError(error.message);
    throw error;
  }
  bar.done();
  await runOperation(config, "registerModel", {
    id: pulled.id,
    path: pulled.path,
    source: pulled.source,
    sha256: pulled.sha256,
    sizeBytes: pulled.sizeBytes,
  });
  return {
    id: pulled.id,
    path: pulled.path,
    source: pulled.source,
    sha256: pulled.sha256,
    size_bytes: pulled.sizeBytes,
    verified: pulled.verified,
  };
}
