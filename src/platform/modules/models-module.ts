// The models module: the model router, serving every model by the id clients use (upstream model
// servers, the local models) and each organisation's own fine-tuned models.
import { ModelRouter } from "../../inference/model-router.ts";
import { OpenAICompatibleProvider } from "../../inference/openai-compatible-provider.ts";
import { defineModule } from "../module.ts";
import { finetuneModule } from "./finetune-module.ts";
import { localModelsModule } from "./local-models-module.ts";

export const modelsModule = defineModule({
  name: "models",
  needs: { localModels: localModelsModule, finetune: finetuneModule },
  migrations: [],
  operations: {},
  create({ config }, { localModels, finetune }) {
    const models = new ModelRouter([
      ...config.upstreams.map(
        (upstream) => new OpenAICompatibleProvider(upstream, { timeoutMs: config.upstreamTimeoutMs }),
      ),
      ...(localModels.provider ? [localModels.provider] : []),
    ]);
    models.usePrivateModels(finetune.models);
    const demo = localModels.demoBuild;
    if (demo) {
      models.prepare(demo.build.id, demo.build.progress);
      void demo.build.ready.then((entry) =>
        models.finishPreparing(demo.build.id, entry && demo.serve(entry)),
      );
    }
    return { exports: models, close: () => models.close() };
  },
});
