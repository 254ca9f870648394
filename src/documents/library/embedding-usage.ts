// The usage of the embedding calls the library makes for a /v1 caller (issue 20): a document's passages
// at ingestion and a search's query count in the organisation's usage meters as a /v1/embeddings call of
// the same key would (endpoint "embeddings"). The observers are told tokens only: the record carries no
// text and `store: false`, so nothing of the documents reaches a usage row, a record or a classifier.
import type { Caller, CompletionObserver } from "../../inference/completion-hooks.ts";
import { notifyObservers } from "../../inference/model-call.ts";
import type { EmbeddingMeter } from "../document-types.ts";
import type { Embedder } from "./passage-embedder.ts";

/** The embedder, telling `usage` (a caller's meter) the tokens of each call. */
export function meteredEmbedder(embed: Embedder, usage: EmbeddingMeter | undefined): Embedder {
  if (!usage) return embed;
  return (organizationId, model, texts) =>
    embed(organizationId, model, texts, (tokens) => usage(model, tokens));
}

export function embeddingUsage(
  observers: readonly CompletionObserver[],
  caller: Caller,
  requestId: string,
): EmbeddingMeter {
  let calls = 0;
  return (model, promptTokens) => {
    const tokens = Number.isSafeInteger(promptTokens) && promptTokens >= 0 ? promptTokens : 0;
    calls += 1;
    notifyObservers(observers, {
      // One usage row per embedding call: the request's id, numbered.
      requestId: `${requestId}.embeddings.${calls}`,
      caller,
      model,
      endpoint: "embeddings",
      request: { model, messages: [] },
      output: null,
      usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens },
      status: "completed",
      store: false,
      startedAt: new Date(),
      durationMs: 0,
    });
  };
}
