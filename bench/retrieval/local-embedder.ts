// The embedding model the retrieval and ingestion benchmarks use (issue 20).
import path from "node:path";
import pino from "pino";
import { ensureDemoModel } from "../../src/finetune/demo-model.ts";
import { LlamaLocalModel } from "../../src/inference/llama/llama-model.ts";
import type { Embedder } from "./evaluation.ts";

/**
 * The embedding model: the demo model a default installation serves (custodian-demo), or the local GGUF
 * model at BENCH_RETRIEVAL_EMBEDDING_MODEL, called through the same local-model `embed` that
 * /v1/embeddings serves. A text longer than the model's context is cut until it fits, as the model
 * refuses it whole.
 */
export async function localEmbedder(): Promise<{ embedder: Embedder; close: () => Promise<void> }> {
  const configured = process.env.BENCH_RETRIEVAL_EMBEDDING_MODEL;
  const modelPath =
    configured ?? (await ensureDemoModel(path.resolve("test-artifacts/demo-model-cache"))).path;
  const id = configured ? path.basename(configured) : "custodian-demo";
  const model = new LlamaLocalModel({
    id,
    path: modelPath,
    threads: 2,
    parallel: 1,
    queue: 1,
    contextSize: 1024,
    logger: pino({ level: "silent" }),
  });
  const embedOne = async (text: string): Promise<Float32Array> => {
    for (let length = text.length; ; length = Math.floor(length * 0.8)) {
      try {
        const result = await model.embed(
          { model: id, input: [text.slice(0, length)] },
          { signal: AbortSignal.timeout(120_000) },
        );
        return Float32Array.from(result.data[0]!.embedding as number[]);
      } catch (error) {
        if ((error as { code?: string }).code !== "context_length_exceeded" || length < 16) throw error;
      }
    }
  };
  return {
    embedder: {
      model: id,
      embed: async (texts) => {
        const vectors: Float32Array[] = [];
        for (const text of texts) vectors.push(await embedOne(text));
        return vectors;
      },
    },
    close: () => model.close(),
  };
}
