// Vectors for passages and queries from a collection's embedding model (issue 20), through the same
// model router and `embed` call /v1/embeddings uses, so an upstream's or a local model's embeddings
// serve alike. Texts are sent in batches; nothing of them is logged.
import { errors } from "../../core/errors.ts";
import type { ModelRouter } from "../../inference/model-router.ts";

/** Texts per embeddings request. */
const batchSize = 64;

export type Embedder = (
  organizationId: string,
  model: string,
  texts: readonly string[],
  /** Told the prompt tokens the model reports for each request (a caller's usage meter). */
  tokens?: (promptTokens: number) => void,
) => Promise<Float32Array[]>;

function vectorOf(embedding: number[] | string): Float32Array {
  if (Array.isArray(embedding)) return Float32Array.from(embedding);
  const bytes = Buffer.from(embedding, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function modelEmbedder(models: Pick<ModelRouter, "resolve">): Embedder {
  return async (organizationId, modelId, texts, tokens) => {
    const model = await models.resolve(modelId, organizationId);
    if (!model.embed) throw errors.invalidRequest(`The model '${modelId}' gives no embeddings.`, "model");
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const input = texts.slice(start, start + batchSize);
      const result = await model.embed({ model: modelId, input }, { signal: AbortSignal.timeout(300_000) });
      tokens?.(result.usage.prompt_tokens);
      const ordered = [...result.data].sort((left, right) => left.index - right.index);
      if (ordered.length !== input.length) {
        throw errors.invalidRequest(
          `The model '${modelId}' gave ${ordered.length} vectors for ${input.length} texts.`,
          "model",
        );
      }
      vectors.push(...ordered.map((item) => vectorOf(item.embedding)));
    }
    return vectors;
  };
}
