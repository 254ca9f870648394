// The model registry's administrative operations, for the CLI (directly or through a running server's
// admin socket): register a pulled file, list what is registered.
import { errors } from "../core/errors.ts";
import type { ModelRegistry, RegisteredModel } from "./model-registry.ts";

type Operation = (input: Record<string, unknown>) => Promise<unknown>;

function render(model: RegisteredModel) {
  return {
    id: model.id,
    path: model.path,
    source: model.source,
    sha256: model.sha256,
    size_bytes: model.sizeBytes,
    created_at: model.createdAt.toISOString(),
  };
}

export function modelRegistryOperations(registry: ModelRegistry, actor: string): Record<string, Operation> {
  return {
    async registerModel(input) {
      const { id, path, source, sha256, sizeBytes } = input;
      if (typeof id !== "string") throw errors.invalidRequest("'id' must be a string.", "id");
      if (typeof path !== "string" || !path.startsWith("/")) {
        throw errors.invalidRequest("'path' must be an absolute path.", "path");
      }
      if (typeof source !== "string") throw errors.invalidRequest("'source' must be a string.", "source");
      if (sha256 !== null && (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256))) {
        throw errors.invalidRequest("'sha256' must be 64 hex digits or null.", "sha256");
      }
      if (typeof sizeBytes !== "number" || !Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
        throw errors.invalidRequest("'sizeBytes' must be a whole number.", "sizeBytes");
      }
      return render(await registry.register({ id, path, source, sha256, sizeBytes, actor }));
    },
    async listModels() {
      return (await registry.list()).map(render);
    },
  };
}
