// The model registry's administrative operations, for the CLI (directly or through a running server's
// admin socket): register a pulled file; list every model: those registered and those served (the
// demo model and upstream models included).
import { Type } from "@sinclair/typebox";
import { defineOperation, installationOnly } from "../core/operation.ts";
import type { ModelRegistry, RegisteredModel } from "./model-registry.ts";
import type { ModelRouter } from "./model-router.ts";

const operation = defineOperation<{ modelRegistry: ModelRegistry; models: ModelRouter }>();

const RegisteredModelView = Type.Object({
  id: Type.String(),
  path: Type.String(),
  source: Type.String(),
  sha256: Type.Union([Type.String(), Type.Null()]),
  size_bytes: Type.Integer(),
  created_at: Type.String(),
});

const ListedModelView = Type.Object({
  id: Type.String(),
  /** available: offered to clients; preparing: being built (the demo model's first build); registered:
   *  a file registered here that is not offered (another model configured with its id, say). */
  status: Type.Union([Type.Literal("available"), Type.Literal("preparing"), Type.Literal("registered")]),
  owned_by: Type.Union([Type.String(), Type.Null()]),
  demo: Type.Boolean(),
  path: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.String(), Type.Null()]),
  size_bytes: Type.Union([Type.Integer(), Type.Null()]),
  sha256: Type.Union([Type.String(), Type.Null()]),
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
    description:
      "every model: served (the demo model and upstream models included), being prepared, registered",
    permission: installationOnly,
    input: Type.Object({}),
    output: Type.Array(ListedModelView),
    async run({ modelRegistry, models }) {
      const registered = new Map((await modelRegistry.list()).map((model) => [model.id, model]));
      const file = (id: string) => {
        const model = registered.get(id);
        return {
          path: model?.path ?? null,
          source: model?.source ?? null,
          size_bytes: model?.sizeBytes ?? null,
          sha256: model?.sha256 ?? null,
        };
      };
      const served = models.list().map((model) => ({
        id: model.id,
        status: "available" as const,
        owned_by: model.ownedBy,
        demo: model.metadata?.demo === true,
        ...file(model.id),
      }));
      const preparing = models.preparing().map((model) => ({
        id: model.id,
        status: "preparing" as const,
        owned_by: null,
        demo: false,
        ...file(model.id),
      }));
      const listed = new Set([...served, ...preparing].map((model) => model.id));
      const idle = [...registered.values()]
        .filter((model) => !listed.has(model.id))
        .map((model) => ({
          id: model.id,
          status: "registered" as const,
          owned_by: null,
          demo: false,
          ...file(model.id),
        }));
      return [...served, ...preparing, ...idle];
    },
  }),
};
