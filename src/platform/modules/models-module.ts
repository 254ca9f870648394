// The models module: the model router, serving every model by the id clients use (upstream model
// servers, the local models), each organisation's own fine-tuned models, and the trust probes' echo model.
import { ModelRouter } from "../../inference/model-router.ts";
import { OpenAICompatibleProvider } from "../../inference/openai-compatible-provider.ts";
import { probeModelPrefix, probeModels } from "../../inference/probe-model.ts";
import { defineModule } from "../module.ts";
import { finetuneModule } from "./finetune-module.ts";
import { localModelsModule } from "./local-models-module.ts";
import { tenancyModule } from "./tenancy-module.ts";

export const modelsModule = defineModule({
  name: "models",
  needs: { tenancy: tenancyModule, localModels: localModelsModule, finetune: finetuneModule },
  migrations: [],
  operations: {},
  create({ config }, { tenancy, localModels, finetune }) {
    const models = new ModelRouter([
      ...config.upstreams.map(
        (upstream) => new OpenAICompatibleProvider(upstream, { timeoutMs: config.upstreamTimeoutMs }),
      ),
      ...(localModels.provider ? [localModels.provider] : []),
    ]);
    models.usePrivateModels(finetune.models);
    // The trust probes' echo model, for the probe organisations only (canaries through the real /v1 path).
    models.usePrivateModels(
      probeModels((organizationId) => tenancy.isInternal(organizationId)),
      probeModelPrefix,
    );
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
