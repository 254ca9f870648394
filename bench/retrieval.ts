// The retrieval benchmark (issue 20): hybrid search over a sealed collection of 10,000 passages, warm
// (index in memory: p50/p99 of top-10 hybrid searches) and cold (unwrap the collection's key, open every
// sealed record of passages and vectors with the product's AEAD, build the index), its memory, and hit
// rate at 5 on the evaluation set in bench/retrieval/ for hybrid, keyword-only and vector-only search.
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import path from "node:path";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import pino from "pino";
import { open, seal } from "../src/crypto/aead.ts";
import { LocalKeyWrapper } from "../src/crypto/local-key-wrapper.ts";
import { ensureDemoModel } from "../src/finetune/demo-model.ts";
import { LlamaLocalModel } from "../src/inference/llama/llama-model.ts";
import type { DocumentChunk } from "../src/documents/document-types.ts";
import { documentBinding, openPassages, sealPassages } from "../src/documents/library/sealed-passages.ts";
import { PassageIndex, type IndexedPassage } from "../src/documents/search/passage-index.ts";
import { hitRates, type Embedder } from "./retrieval/evaluation.ts";
import { readNumber } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";
import { syntheticCollection } from "./retrieval/synthetic-collection.ts";

const progress = progressFor("retrieval");
const target = { warmP99Ms: 50, coldMs: 500, hybridHitRateAt5: 0.8 };
const collectionSize = readNumber("BENCH_RETRIEVAL_CHUNKS", 10_000, (value) => value >= 100, "at least 100");
const chunksPerDocument = 20;
const organization = "org_bench";

/**
 * The embedding model: the demo model a default installation serves (custodian-demo), or the local GGUF
 * model at BENCH_RETRIEVAL_EMBEDDING_MODEL, called through the same local-model `embed` that
 * /v1/embeddings serves. A text longer than the model's context is cut until it fits, as the model
 * refuses it whole.
 */
async function localEmbedder(): Promise<{ embedder: Embedder; close: () => Promise<void> }> {
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

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)]!;
}

function randomUnitVector(dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (let index = 0; index < dimensions; index++) vector[index] = Math.random() * 2 - 1;
  return vector;
}

/** What the library stores for one document: its chunks and vectors as one sealed record (sealed-passages.ts). */
const binding = (documentId: string) => documentBinding("documents.passages", documentId, organization);

function sealDocument(key: Buffer, documentId: string, passages: IndexedPassage[]): Buffer {
  const chunks = passages.map((passage) => passage.chunk);
  return sealPassages(key, binding(documentId), {
    chunks,
    vectors: passages.map((passage) => passage.vector),
  });
}

function openDocument(key: Buffer, documentId: string, sealed: Buffer): IndexedPassage[] {
  const { chunks, vectors } = openPassages(key, binding(documentId), sealed);
  return chunks.map((chunk, index) => ({ documentId, chunk, vector: vectors[index] ?? new Float32Array(0) }));
}

/** Queries of eight words, each taken from one passage: common words and rare ones, as people type them. */
function searchQueries(chunks: readonly DocumentChunk[]): string[] {
  const queries: string[] = [];
  for (let query = 0; query < 100; query++) {
    const words = chunks[(query * 7919) % chunks.length]!.text.split(" ");
    queries.push(Array.from({ length: 8 }, (_, word) => words[(word * 13 + query) % words.length]).join(" "));
  }
  return queries;
}

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

const heapBytes = (): number => {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

interface CollectionFigures {
  dimensions: number;
  coldMs: number;
  /** The same, in CPU time of this process: what the cold open costs on a machine other work shares. */
  coldCpuMs: number;
  /** The part of the cold time spent opening (decrypting and parsing) the sealed records. */
  openMs: number;
  warmP50Ms: number;
  warmP99Ms: number;
  searches: number;
  indexBytes: number;
  heapBytes: number;
}

/** One sealed collection of `collectionSize` passages with vectors of `dimensions`, cold then warm. */
async function measureCollection(dimensions: number): Promise<CollectionFigures> {
  progress(`sealing ${collectionSize} passages with ${dimensions}-dimensional vectors`);
  const master = randomBytes(32);
  const wrapper = new LocalKeyWrapper(master);
  const organizationKey = randomBytes(32);
  const wrappedOrganizationKey = await wrapper.wrap(organizationKey, { organization, version: 1 });
  const collectionKey = randomBytes(32);
  const collectionBinding = { table: "document_collections", row: "col_bench", organization };
  const wrappedCollectionKey = seal(organizationKey, 1, collectionBinding, collectionKey);
  const documents = new Map<string, Buffer>();
  const chunks = syntheticCollection(collectionSize);
  for (let start = 0; start < chunks.length; start += chunksPerDocument) {
    const documentId = `doc_${start / chunksPerDocument}`;
    const passages = chunks.slice(start, start + chunksPerDocument).map((chunk) => ({
      documentId,
      chunk,
      vector: randomUnitVector(dimensions),
    }));
    documents.set(documentId, sealDocument(collectionKey, documentId, passages));
  }

  const before = heapBytes();
  const coldStart = performance.now();
  const coldCpu = process.cpuUsage();
  const unwrapped = await wrapper.unwrap(wrappedOrganizationKey, { organization, version: 1 });
  const key = open(unwrapped.key, collectionBinding, wrappedCollectionKey);
  const opened: IndexedPassage[] = [];
  for (const [documentId, sealed] of documents) opened.push(...openDocument(key, documentId, sealed));
  const openMs = performance.now() - coldStart;
  const index = new PassageIndex(opened);
  opened.length = 0;
  const coldMs = performance.now() - coldStart;
  const coldCpuUsage = process.cpuUsage(coldCpu);
  const coldCpuMs = (coldCpuUsage.user + coldCpuUsage.system) / 1000;
  const held = heapBytes() - before;

  progress(`searching ${dimensions}-dimensional collection`);
  const queries = searchQueries(chunks);
  const vectors = queries.map(() => randomUnitVector(dimensions));
  const search = (position: number) =>
    index.search({
      text: queries[position % queries.length]!,
      vector: vectors[position % queries.length]!,
      limit: 10,
      mode: "hybrid",
    });
  for (let warm = 0; warm < queries.length; warm++) search(warm);
  const times: number[] = [];
  const searches = Math.max(200, queries.length * 4);
  for (let position = 0; position < searches; position++) {
    const start = performance.now();
    search(position);
    times.push(performance.now() - start);
  }
  times.sort((left, right) => left - right);
  return {
    dimensions,
    coldMs,
    coldCpuMs,
    openMs,
    warmP50Ms: percentile(times, 0.5),
    warmP99Ms: percentile(times, 0.99),
    searches,
    indexBytes: index.bytes,
    heapBytes: held,
  };
}

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
  const collections = [await measureCollection(dimensions), await measureCollection(1536)];
  const [load] = loadavg();

  printTable(
    `Hybrid search over ${collectionSize} sealed passages (top 10; load average ${load!.toFixed(1)})`,
    [
      "vector dimensions",
      "cold ms",
      "of which opening",
      "cold CPU ms",
      "warm p50 ms",
      "warm p99 ms",
      "index MiB",
      "heap MiB",
    ],
    collections.map((figures) => [
      String(figures.dimensions),
      figures.coldMs.toFixed(0),
      figures.openMs.toFixed(0),
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
        cold_open_ms: round(figures.openMs, 1),
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
