// The model registry's administrative operations, for the CLI (directly or through a running server's
// admin socket): register a pulled file, list what is registered.
import { Type } from "@sinclair/typebox";
import { defineOperation, installationOnly } from "../core/operation.ts";
import type { ModelRegistry, RegisteredModel } from "./model-registry.ts";

const operation = defineOperation<{ modelRegistry: ModelRegistry }>();

const RegisteredModelView = Type.Object({
  id: Type.String(),
  path: Type.String(),
  source: Type.String(),
  sha256: Type.Union([Type.String(), Type.Null()]),
  size_bytes: Type.Integer(),
  created_at: Type.String(),
});

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

export const modelRegistryOperations = {
  registerModel: operation({
    description: "register a downloaded GGUF file (what `models pull` does once the file is checked)",
    permission: installationOnly,
    input: Type.Object({
      id: Type.String({ minLength: 1 }),
      path: Type.String({ pattern: "^/", examples: ["/absolute/path/model.gguf"] }),
      source: Type.String({ minLength: 1 }),
      sha256: Type.Union([Type.String({ pattern: "^[0-9a-f]{64}$" }), Type.Null()]),
      sizeBytes: Type.Integer({ minimum: 0 }),
    }),
    output: RegisteredModelView,
    async run({ modelRegistry }, input, caller) {
      return render(await modelRegistry.register({ ...input, actor: caller.actor }));
    },
  }),
  listModels: operation({
    description: "the registered models",
    permission: installationOnly,
    input: Type.Object({}),
    output: Type.Array(RegisteredModelView),
    async run({ modelRegistry }) {
      return (await modelRegistry.list()).map(render);
    },
  }),
};
