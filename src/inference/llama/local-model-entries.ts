// The local models to serve: those named in the configuration, then those in the model registry whose
// ids nothing else claims (a clash is logged and skipped, so a registry entry can never stop start-up).
import type { Logger } from "pino";
import type { Config } from "../../config/config.ts";
import type { ModelRegistry } from "../model-registry.ts";
import type { LocalModelEntry } from "./llama-provider.ts";

export async function localModelEntries(
  config: Pick<Config, "models" | "upstreams">,
  registry: ModelRegistry,
  logger: Logger,
): Promise<LocalModelEntry[]> {
  const entries: LocalModelEntry[] = config.models.map((model) => ({ id: model.id, path: model.path }));
  const taken = new Set([
    ...entries.map((entry) => entry.id),
    ...config.upstreams.flatMap((upstream) => upstream.models.map((model) => model.id)),
  ]);
  for (const registered of await registry.list()) {
    if (taken.has(registered.id)) {
      logger.warn(
        { model: registered.id },
        "a registered model's id is already configured; the registry entry is not served",
      );
      continue;
    }
    taken.add(registered.id);
    entries.push({ id: registered.id, path: registered.path });
  }
  return entries;
}
