// `custodian models list`: the models registered on this installation, as a table or as JSON.
import type { Config } from "../config/config.ts";
import { runOperation } from "./admin-client.ts";

export interface ListedModel {
  id: string;
  path: string;
  source: string;
  sha256: string | null;
  size_bytes: number;
  created_at: string;
}

export async function modelsList(config: Readonly<Config>): Promise<ListedModel[]> {
  return (await runOperation(config, "listModels", {})) as ListedModel[];
}

export function formatModels(models: ListedModel[]): string {
  if (models.length === 0)
    return "No models are registered yet: run `custodian models pull hf:<owner>/<repo>/<file.gguf>`.";
  return models
    .map(
      (model) =>
        `${model.id}\t${(model.size_bytes / (1024 * 1024)).toFixed(1)} MiB\t${model.source}\t${model.path}`,
    )
    .join("\n");
}
