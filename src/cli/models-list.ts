// `custodian models list`: every model of this installation (available, being prepared, registered), as
// a table or as JSON.
import type { OutputOf } from "../core/operation.ts";
import type { AdminOperationTable } from "../platform/operations.ts";

export type ListedModel = OutputOf<AdminOperationTable["listModels"]>[number];

export function formatModels(models: ListedModel[]): string {
  if (models.length === 0)
    return (
      "No models: run `custodian models pull hf:<owner>/<repo>/<file.gguf>`, or connect a model server with " +
      "CUSTODIAN_UPSTREAMS."
    );
  return models
    .map((model) =>
      [
        model.id,
        model.status + (model.demo ? " (demo)" : ""),
        model.size_bytes === null ? "" : `${(model.size_bytes / (1024 * 1024)).toFixed(1)} MiB`,
        model.source ?? model.owned_by ?? "",
        model.path ?? "",
      ]
        .join("\t")
        .trimEnd(),
    )
    .join("\n");
}
