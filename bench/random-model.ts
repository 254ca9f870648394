// The benchmark's real-sized model: a llama-architecture GGUF with random weights in the shape of a
// small real model (about 0.5 B parameters, grouped-query attention, a 32,000-token BPE vocabulary),
// Q8_0, written once with the project's GGUF writer into a cache outside the repository. The weights
// are random, so the text is noise, but every matrix multiplication, the KV cache, the tokenizer and
// the sampler cost what they cost on a real model of this size.
import { existsSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { encodeGgufHeader } from "../src/inference/gguf/gguf-encoder.ts";
import {
  GgmlType,
  ggufDefaultAlignment,
  q8_0BlockBytes,
  q8_0BlockValues,
} from "../src/inference/gguf/gguf-format.ts";
import {
  ggufTensorTable,
  llamaMetadata,
  llamaTensorPlans,
  uniformGenerator,
  type LlamaShape,
  type TensorPlan,
} from "../src/inference/gguf/gguf-writer.ts";
import { mergedVocabulary } from "./random-model-vocabulary.ts";

/** The recipe; changing any of it must change `version`, so an older cached file is not taken for it. */
const recipe = {
  version: 1,
  seed: 20261207,
  vocabulary: 32_000,
  shape: {
    name: "custodian-bench-random-0.5b",
    contextLength: 4096,
    embedding: 1024,
    blocks: 24,
    feedForward: 4864,
    heads: 16,
    headsKv: 4,
  } satisfies LlamaShape,
} as const;

/** Values generated and quantized at a time: the writer's memory stays about a megabyte whatever the model. */
const chunkValues = 1 << 20;

// DataView#setFloat16 is in Node 24 (ES2025); TypeScript's es2024 library does not declare it yet.
type HalfFloatView = DataView & { setFloat16(offset: number, value: number, littleEndian: boolean): void };

const count = (plan: TensorPlan) => plan.dimensions.reduce((product, size) => product * size, 1);
const aligned = (bytes: number) => Math.ceil(bytes / ggufDefaultAlignment) * ggufDefaultAlignment;
/** Norms stay F32 (ones); matrices are Q8_0, as a quantized real model's are. */
const typeOf = (plan: TensorPlan) => (plan.fill === "ones" ? GgmlType.f32 : GgmlType.q8_0);
const bytesOf = (plan: TensorPlan) =>
  typeOf(plan) === GgmlType.f32 ? count(plan) * 4 : (count(plan) / q8_0BlockValues) * q8_0BlockBytes;

/** Parameters of the recipe's model (for the benchmark's summary). */
export function randomModelParameters(): number {
  const { shape, vocabulary } = recipe;
  const kv = (shape.embedding / shape.heads) * shape.headsKv;
  return llamaTensorPlans(shape.embedding, kv, shape.feedForward, vocabulary, shape.blocks).reduce(
    (sum, plan) => sum + count(plan),
    0,
  );
}

/**
 * Quantizes `values` to Q8_0 into `out` as ggml's reference quantizer does: per block of 32, the
 * scale is the largest magnitude over 127 and each value is rounded to a multiple of it.
 */
function quantizeQ8_0(values: Float32Array, length: number, out: Buffer): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength) as HalfFloatView;
  let at = 0;
  for (let start = 0; start < length; start += q8_0BlockValues) {
    let largest = 0;
    for (let index = start; index < start + q8_0BlockValues; index++)
      largest = Math.max(largest, Math.abs(values[index] ?? 0));
    const scale = largest / 127;
    const inverse = scale === 0 ? 0 : 1 / scale;
    view.setFloat16(at, scale, true);
    for (let index = 0; index < q8_0BlockValues; index++)
      view.setInt8(at + 2 + index, Math.round((values[start + index] ?? 0) * inverse));
    at += q8_0BlockBytes;
  }
  return at;
}

/** Writes the recipe's model to `file`, streaming: one chunk of values in memory at a time. */
async function writeRandomModel(file: string): Promise<void> {
  const { shape, vocabulary: size, seed } = recipe;
  const vocabulary = mergedVocabulary(size);
  const kv = (shape.embedding / shape.heads) * shape.headsKv;
  const plans = llamaTensorPlans(shape.embedding, kv, shape.feedForward, size, shape.blocks);
  const infos = ggufTensorTable(plans, typeOf, bytesOf);
  const random = uniformGenerator(seed);
  const values = new Float32Array(chunkValues);
  const bytes = Buffer.alloc((chunkValues / q8_0BlockValues) * q8_0BlockBytes);
  const handle = await open(file, "w");
  try {
    await handle.write(encodeGgufHeader(llamaMetadata(shape, vocabulary), infos, ggufDefaultAlignment));
    for (const plan of plans) {
      const total = count(plan);
      if (typeOf(plan) === GgmlType.f32) {
        // Norm weights: a few thousand values at most.
        const ones = new Float32Array(aligned(total * 4) / 4).fill(1, 0, total);
        await handle.write(new Uint8Array(ones.buffer));
        continue;
      }
      // As gguf-writer.ts scales them: 1/sqrt(input size), the token embeddings 1.
      const deviation = plan.name === "token_embd.weight" ? 1 : 1 / Math.sqrt(plan.dimensions[0] ?? 1);
      const halfWidth = deviation * Math.sqrt(3);
      let written = 0;
      for (let done = 0; done < total; done += chunkValues) {
        const length = Math.min(chunkValues, total - done);
        for (let index = 0; index < length; index++) values[index] = (random() * 2 - 1) * halfWidth;
        const used = quantizeQ8_0(values, length, bytes);
        await handle.write(bytes, 0, used);
        written += used;
      }
      const padding = aligned(written) - written;
      if (padding > 0) await handle.write(Buffer.alloc(padding));
    }
  } finally {
    await handle.close();
  }
}

/** The cached model's path, writing it first when the cache has none (about a minute, once). */
export async function ensureRandomModel(cache: string, progress: (message: string) => void): Promise<string> {
  const file = path.join(cache, `random-llama-0.5b-q8_0-v${recipe.version}.gguf`);
  if (existsSync(file)) return file;
  await mkdir(cache, { recursive: true });
  progress(
    `writing a random-weight model (${(randomModelParameters() / 1e9).toFixed(2)} B parameters) to ${file}`,
  );
  // Written beside and renamed into place, so an interrupted write is never taken for a finished one.
  const partial = `${file}.partial`;
  try {
    await writeRandomModel(partial);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return file;
}
