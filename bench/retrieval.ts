// The retrieval benchmark (issue 20): hybrid search over a sealed collection of 10,000 passages, warm
// (index in memory: p50/p99 of top-10 hybrid searches) and cold (unwrap the collection's key, open every
// sealed record of passages and vectors with the product's AEAD, build the index), its memory, and hit
// rate at 5 on the evaluation set in bench/retrieval/ for hybrid, keyword-only and vector-only search.
import { loadavg } from "node:os";
import { measureCollection } from "./retrieval/collection-timing.ts";
import { hitRates } from "./retrieval/evaluation.ts";
import { localEmbedder } from "./retrieval/local-embedder.ts";
import { readNumber } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("retrieval");
const target = { warmP99Ms: 50, coldMs: 500, hybridHitRateAt5: 0.8 };
const collectionSize = readNumber("BENCH_RETRIEVAL_CHUNKS", 10_000, (value) => value >= 100, "at least 100");

export async function run(): Promise<number> {
  // The library's default: a collection made without an embedding model, and an organisation has none
  // by default, holds no vectors, and its hybrid search is keyword search.
  progress("evaluating the default setup (no embedding model: hybrid falls back to keywords)");
  const byDefault = await hitRates(null);
  progress("loading the embedding model (the demo model is built on first use, about a minute)");
  const { embedder, close } = await localEmbedder();
  let withModel;
  let dimensions: number;
  try {
    progress(`embedding the evaluation set with ${embedder.model}`);
    withModel = await hitRates(embedder);
    dimensions = (await embedder.embed(["dimensions"]))[0]!.length;
  } finally {
    await close();
  }
  // The embedding model's size, and the size of a common upstream embedding model (1536).
  const collections = [
    await measureCollection(dimensions, collectionSize),
    await measureCollection(1536, collectionSize),
  ];
  const [load] = loadavg();

  printTable(
    `Hybrid search over ${collectionSize} sealed passages (top 10; load average ${load!.toFixed(1)})`,
    [
      "vector dimensions",
      "cold ms",
      "of which keys",
      "cold CPU ms",
      "warm p50 ms",
      "warm p99 ms",
      "index MiB",
      "heap MiB",
    ],
    collections.map((figures) => [
      String(figures.dimensions),
      figures.coldMs.toFixed(0),
      figures.keysMs.toFixed(0),
      figures.coldCpuMs.toFixed(0),
      figures.warmP50Ms.toFixed(2),
      figures.warmP99Ms.toFixed(2),
      (figures.indexBytes / 2 ** 20).toFixed(1),
      (figures.heapBytes / 2 ** 20).toFixed(1),
    ]),
  );
  const rate = (value: number | null) => (value === null ? "-" : value.toFixed(3));
  printTable(
    `Hit rate at 5: ${withModel.questions} questions over ${withModel.passages} passages`,
    ["embedding model", "hybrid", "keyword", "vector"],
    [
      ["none (the default)", rate(byDefault.hybrid), rate(byDefault.keyword), "-"],
      [embedder.model, rate(withModel.hybrid), rate(withModel.keyword), rate(withModel.vector)],
    ],
  );
  const per10k = (bytes: number) => round((bytes / 2 ** 20) * (10_000 / collectionSize), 1);
  const rates = (figures: typeof withModel) => ({
    hybrid: round(figures.hybrid, 3),
    keyword: round(figures.keyword, 3),
    vector: figures.vector === null ? null : round(figures.vector, 3),
  });
  console.log(
    JSON.stringify({
      chunks: collectionSize,
      load_average: round(load!, 2),
      collections: collections.map((figures) => ({
        vector_dimensions: figures.dimensions,
        cold_ms: round(figures.coldMs, 1),
        cold_cpu_ms: round(figures.coldCpuMs, 1),
        cold_keys_ms: round(figures.keysMs, 1),
        warm_p50_ms: round(figures.warmP50Ms, 3),
        warm_p99_ms: round(figures.warmP99Ms, 3),
        searches: figures.searches,
        index_mib_per_10k_chunks: per10k(figures.indexBytes),
        heap_mib_per_10k_chunks: per10k(figures.heapBytes),
      })),
      evaluation: {
        questions: withModel.questions,
        answerable: withModel.answerable,
        passages: withModel.passages,
      },
      hit_rate_at_5: {
        default_setup: { embedding_model: null, ...rates(byDefault) },
        with_embedding_model: { embedding_model: embedder.model, dimensions, ...rates(withModel) },
      },
      target,
      meets_target:
        collections.every(
          (figures) => figures.warmP99Ms < target.warmP99Ms && figures.coldMs < target.coldMs,
        ) && byDefault.hybrid >= target.hybridHitRateAt5,
    }),
  );
  return 0;
}
