// Writes a small llama-architecture GGUF model from nothing: seeded F32 weights and a byte-level vocabulary.

import { open } from "node:fs/promises";
import { byteSymbols, controlTokens, endOfTextTokenId, imEndTokenId } from "./byte-level-vocabulary.ts";
import { chatMlTemplate } from "./chat-template.ts";
import { encodeGgufHeader, type GgufTensorInfo } from "./gguf-encoder.ts";
import { GgmlType, GgufValueType, ggufDefaultAlignment, type GgufValue } from "./gguf-format.ts";

export interface LlamaGgufOptions {
  /** The same seed gives the same bytes. */
  seed: number;
  embeddingLength?: number;
  blockCount?: number;
  headCount?: number;
  /** Defaults to `headCount` (no grouped-query attention). */
  headCountKv?: number;
  contextLength?: number;
  feedForwardLength?: number;
  /**
   * Standard deviation of every random weight. By default each matrix gets 1/sqrt(its input
   * size) and the token embeddings 1: llama.cpp's training does not update `token_embd`,
   * `attn_k` and `attn_v`, so these must already be well scaled for attention to be learnable.
   */
  initStandardDeviation?: number;
  /** `general.name`. */
  name?: string;
}

const tokenTypeNormal = 1;
const tokenTypeControl = 3;

/**
 * A small, fast, seedable generator (mulberry32). Uniform values only: no transcendental
 * functions, so the bytes do not depend on the platform's `Math.log` or `Math.cos`.
 */
export function uniformGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TensorPlan {
  name: string;
  /** ggml order: [input, output] for matrices. */
  dimensions: number[];
  fill: "ones" | "random";
}

/** The tensors of a llama model, in file order: embeddings, output, then each block's. */
export function llamaTensorPlans(
  embedding: number,
  kv: number,
  feedForward: number,
  vocabulary: number,
  blocks: number,
): TensorPlan[] {
  const plans: TensorPlan[] = [
    { name: "token_embd.weight", dimensions: [embedding, vocabulary], fill: "random" },
    { name: "output_norm.weight", dimensions: [embedding], fill: "ones" },
    { name: "output.weight", dimensions: [embedding, vocabulary], fill: "random" },
  ];
  for (let block = 0; block < blocks; block++) {
    const prefix = `blk.${block}.`;
    plans.push(
      { name: `${prefix}attn_norm.weight`, dimensions: [embedding], fill: "ones" },
      { name: `${prefix}attn_q.weight`, dimensions: [embedding, embedding], fill: "random" },
      { name: `${prefix}attn_k.weight`, dimensions: [embedding, kv], fill: "random" },
      { name: `${prefix}attn_v.weight`, dimensions: [embedding, kv], fill: "random" },
      { name: `${prefix}attn_output.weight`, dimensions: [embedding, embedding], fill: "random" },
      { name: `${prefix}ffn_norm.weight`, dimensions: [embedding], fill: "ones" },
      { name: `${prefix}ffn_gate.weight`, dimensions: [embedding, feedForward], fill: "random" },
      { name: `${prefix}ffn_up.weight`, dimensions: [embedding, feedForward], fill: "random" },
      { name: `${prefix}ffn_down.weight`, dimensions: [feedForward, embedding], fill: "random" },
    );
  }
  return plans;
}

const uint32 = (value: number): GgufValue => ({ type: GgufValueType.uint32, value });
const text = (value: string): GgufValue => ({ type: GgufValueType.string, value });

/** The tensor table of `plans` laid out one after another, each tensor's data aligned. */
export function ggufTensorTable(
  plans: readonly TensorPlan[],
  typeOf: (plan: TensorPlan) => number,
  bytesOf: (plan: TensorPlan) => number,
): GgufTensorInfo[] {
  const infos: GgufTensorInfo[] = [];
  let offset = 0;
  for (const plan of plans) {
    infos.push({
      name: plan.name,
      dimensions: plan.dimensions.map(BigInt),
      type: typeOf(plan),
      offset: BigInt(offset),
    });
    offset += Math.ceil(bytesOf(plan) / ggufDefaultAlignment) * ggufDefaultAlignment;
  }
  return infos;
}

/** The shape of a llama model, as its GGUF metadata states it. */
export interface LlamaShape {
  name: string;
  contextLength: number;
  embedding: number;
  blocks: number;
  feedForward: number;
  heads: number;
  headsKv: number;
}

/** A `gpt2` (byte-level BPE) tokenizer: tokens in id order, their types, merges by rank, special ids. */
export interface GgufVocabulary {
  tokens: string[];
  tokenTypes: number[];
  merges: string[];
  bosTokenId: number;
  eosTokenId: number;
  paddingTokenId: number;
}

/** The byte-level vocabulary of the models Custodian generates: 256 byte symbols, then the control tokens. */
export function byteLevelVocabulary(): GgufVocabulary {
  const tokens = [...byteSymbols(), ...controlTokens];
  return {
    tokens,
    tokenTypes: tokens.map((_, id) => (id < 256 ? tokenTypeNormal : tokenTypeControl)),
    merges: [],
    bosTokenId: endOfTextTokenId,
    // <|im_end|> closes each ChatML turn, so generation stops at the end of the assistant's reply.
    eosTokenId: imEndTokenId,
    paddingTokenId: endOfTextTokenId,
  };
}

/** The metadata of a llama-architecture GGUF with a `gpt2` tokenizer and the ChatML template. */
export function llamaMetadata(shape: LlamaShape, vocabulary: GgufVocabulary): [string, GgufValue][] {
  return [
    ["general.architecture", text("llama")],
    ["general.name", text(shape.name)],
    ["general.alignment", uint32(ggufDefaultAlignment)],
    ["llama.context_length", uint32(shape.contextLength)],
    ["llama.embedding_length", uint32(shape.embedding)],
    ["llama.block_count", uint32(shape.blocks)],
    ["llama.feed_forward_length", uint32(shape.feedForward)],
    ["llama.attention.head_count", uint32(shape.heads)],
    ["llama.attention.head_count_kv", uint32(shape.headsKv)],
    ["llama.rope.dimension_count", uint32(shape.embedding / shape.heads)],
    ["llama.rope.freq_base", { type: GgufValueType.float32, value: 10000 }],
    ["llama.attention.layer_norm_rms_epsilon", { type: GgufValueType.float32, value: 1e-5 }],
    ["llama.vocab_size", uint32(vocabulary.tokens.length)],
    ["tokenizer.ggml.model", text("gpt2")],
    ["tokenizer.ggml.pre", text("default")],
    [
      "tokenizer.ggml.tokens",
      { type: GgufValueType.array, itemType: GgufValueType.string, value: vocabulary.tokens },
    ],
    [
      "tokenizer.ggml.token_type",
      { type: GgufValueType.array, itemType: GgufValueType.int32, value: vocabulary.tokenTypes },
    ],
    [
      "tokenizer.ggml.merges",
      { type: GgufValueType.array, itemType: GgufValueType.string, value: vocabulary.merges },
    ],
    ["tokenizer.ggml.bos_token_id", uint32(vocabulary.bosTokenId)],
    ["tokenizer.ggml.eos_token_id", uint32(vocabulary.eosTokenId)],
    ["tokenizer.ggml.padding_token_id", uint32(vocabulary.paddingTokenId)],
    ["tokenizer.ggml.add_bos_token", { type: GgufValueType.bool, value: false }],
    ["tokenizer.chat_template", text(chatMlTemplate)],
  ];
}

/**
 * Writes a llama-architecture GGUF with F32 tensors, the byte-level `gpt2` tokenizer (256 byte
 * symbols, then `<|endoftext|>`, `<|im_start|>`, `<|im_end|>` as control tokens, no merges) and a
 * ChatML chat template. Untrained, it emits random bytes; train it before serving text.
 */
export async function writeLlamaGguf(path: string, options: LlamaGgufOptions): Promise<void> {
  const embedding = options.embeddingLength ?? 64;
  const blocks = options.blockCount ?? 2;
  const heads = options.headCount ?? 4;
  const headsKv = options.headCountKv ?? heads;
  const contextLength = options.contextLength ?? 256;
  const feedForward = options.feedForwardLength ?? embedding * 4;
  if (embedding % heads !== 0 || heads % headsKv !== 0) {
    throw new RangeError("embeddingLength must divide by headCount, and headCount by headCountKv");
  }
  const vocabulary = byteLevelVocabulary();
  const tokens = vocabulary.tokens;
  const name = options.name ?? "custodian-tiny";
  const shape = { name, contextLength, embedding, blocks, feedForward, heads, headsKv };
  const metadata = llamaMetadata(shape, vocabulary);

  const plans = llamaTensorPlans(
    embedding,
    (embedding / heads) * headsKv,
    feedForward,
    tokens.length,
    blocks,
  );
  const infos = ggufTensorTable(
    plans,
    () => GgmlType.f32,
    (plan) => plan.dimensions.reduce((product, size) => product * size, 4),
  );

  const random = uniformGenerator(options.seed);
  const file = await open(path, "w");
  try {
    await file.write(encodeGgufHeader(metadata, infos, ggufDefaultAlignment));
    for (const plan of plans) {
      const count = plan.dimensions.reduce((product, size) => product * size, 1);
      const inputSize = plan.dimensions[0] ?? 1;
      const deviation =
        options.initStandardDeviation ?? (plan.name === "token_embd.weight" ? 1 : 1 / Math.sqrt(inputSize));
      // A uniform distribution on [-a, a] has standard deviation a / sqrt(3).
      const halfWidth = deviation * Math.sqrt(3);
      const values = new Float32Array(
        Math.ceil((count * 4) / ggufDefaultAlignment) * (ggufDefaultAlignment / 4),
      );
      for (let index = 0; index < count; index++) {
        values[index] = plan.fill === "ones" ? 1 : (random() * 2 - 1) * halfWidth;
      }
      await file.write(new Uint8Array(values.buffer));
    }
  } finally {
    await file.close();
  }
}
