// The local models module: the model registry (GGUF files pulled or registered here) and the models
// served in process by llama.cpp, the demo model among them when nothing else is configured.
import { demoModel, type DemoModelBuild } from "../../finetune/demo-model-entry.ts";
import { LlamaProvider } from "../../inference/llama/llama-provider.ts";
import { localModelEntries } from "../../inference/llama/local-model-entries.ts";
import { ModelRegistry } from "../../inference/model-registry.ts";
import { modelRegistryOperations } from "../../inference/model-registry-operations.ts";
import { defineModule } from "../module.ts";

export const localModelsModule = defineModule({
  name: "local-models",
  needs: {},
  migrations: ["0310-model-registry"],
  operations: modelRegistryOperations,
  async create({ config, db, audit, logger, options }) {
    const registry = new ModelRegistry({ db, audit });
    const entries = await localModelEntries(config, registry, logger);
    // A fresh install with nothing configured still answers: the demo model, clearly labelled, served
    // at once when cached, otherwise built in the background (the models module adds it when built).
    let demoBuild: DemoModelBuild | null = null;
    if (options.demoModel && config.demoModel && config.upstreams.length === 0 && entries.length === 0) {
      const demo = await demoModel(config.dataDir, logger);
      if ("ready" in demo) entries.push(demo.ready);
      else demoBuild = demo.building;
    }
    // Closed by the model router, which serves them.
    const provider = entries.length > 0 ? new LlamaProvider(entries, { llama: config.llama, logger }) : null;
    const serve = (entry: { id: string; path: string }) =>
      new LlamaProvider([entry], { llama: config.llama, logger });
    return {
      exports: {
        registry,
        entries: entries as ReadonlyArray<{ id: string; path: string }>,
        provider,
        demoBuild: demoBuild && { build: demoBuild, serve },
      },
      close: async () => demoBuild?.abort(),
    };
  },
});
