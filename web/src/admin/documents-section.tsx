// Documents: the model that embeds the organisation's new knowledge collections and chat attachments
// (hybrid search, vectors and keywords), chosen among the models that give embeddings, or keywords only.
import { useState } from "react";
import { call } from "../api.ts";
import { Section } from "./section.tsx";
import { change, useResource } from "./use-resource.ts";

interface EmbeddingModel {
  model: string | null;
  source: "organization" | "installation" | "none";
  installation_default: string | null;
  choices: string[];
}

/** The select's value for "keywords only" and for "the installation's default". */
const keywordsOnly = "";
const installationDefault = "\u0000default";

function selected(state: EmbeddingModel): string {
  if (state.source === "installation") return installationDefault;
  return state.model ?? keywordsOnly;
}

export function DocumentsSection() {
  const state = useResource<EmbeddingModel>("/api/admin/embedding-model");
  const [problem, setProblem] = useState<string | null>(null);
  const data = state.data;
  return (
    <Section
      title="Embedding model"
      description="New knowledge collections and chat attachments are embedded by this model, so that search finds passages by meaning as well as by words. Collections keep the model they were made with."
      error={problem ?? state.error}
      onRetry={state.reload}
    >
      {data && (
        <form
          // Re-mounted after each save, so the select shows what was saved.
          key={`${data.source}:${data.model ?? ""}`}
          className="inline-form"
          onSubmit={async (event) => {
            event.preventDefault();
            const value = String(new FormData(event.currentTarget).get("model") ?? keywordsOnly);
            setProblem(
              await change(
                () =>
                  value === installationDefault
                    ? call("DELETE", "/api/admin/embedding-model")
                    : call("PUT", "/api/admin/embedding-model", {
                        model: value === keywordsOnly ? null : value,
                      }),
                state.reload,
              ),
            );
          }}
        >
          <label>
            Model
            <select name="model" defaultValue={selected(data)}>
              <option value={keywordsOnly}>None: keyword search only</option>
              {data.installation_default !== null && (
                <option value={installationDefault}>
                  The installation's default ({data.installation_default})
                </option>
              )}
              {data.choices.map((model) => (
                <option key={model} value={model}>
                  {model}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="button small">
            Save
          </button>
        </form>
      )}
      {data && (
        <p className="muted" role="status">
          {data.model === null
            ? "Now: keyword search only."
            : `Now: ${data.model}${data.source === "installation" ? " (the installation's default)" : ""}.`}
        </p>
      )}
    </Section>
  );
}
