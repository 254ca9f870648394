import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatMlTemplate } from "./chat-template.ts";
import { GgufValueType } from "./gguf-format.ts";
import { patchGgufMetadata } from "./gguf-metadata-patch.ts";
import { readGgufHeader } from "./gguf-reader.ts";
import { writeLlamaGguf } from "./gguf-writer.ts";

const digest = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

describe("writeLlamaGguf", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "custodian-gguf-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("gives the same bytes for the same seed and different bytes for another", async () => {
    const first = path.join(directory, "a.gguf");
    const again = path.join(directory, "b.gguf");
    const other = path.join(directory, "c.gguf");
    await writeLlamaGguf(first, { seed: 7 });
    await writeLlamaGguf(again, { seed: 7 });
    await writeLlamaGguf(other, { seed: 8 });
    expect(await digest(first)).toBe(await digest(again));
    expect(await digest(first)).not.toBe(await digest(other));
  });

  it("reads back its own metadata and tensor table", async () => {
    const file = path.join(directory, "read.gguf");
    await writeLlamaGguf(file, { seed: 1, embeddingLength: 32, blockCount: 1, headCount: 2 });
    const header = await readGgufHeader(file);
    expect(header.metadata.get("general.architecture")?.value).toBe("llama");
    expect(header.metadata.get("llama.embedding_length")?.value).toBe(32);
    expect(header.metadata.get("tokenizer.chat_template")?.value).toBe(chatMlTemplate);
    const tokens = header.metadata.get("tokenizer.ggml.tokens")?.value as string[];
    expect(tokens).toHaveLength(259);
    expect(tokens.slice(256)).toEqual(["<|endoftext|>", "<|im_start|>", "<|im_end|>"]);
    expect(header.tensors.map((tensor) => tensor.name)).toContain("blk.0.ffn_down.weight");
    const output = header.tensors.find((tensor) => tensor.name === "output.weight");
    expect(output?.dimensions).toEqual([32n, 259n]);
  });

  it("patches metadata and keeps the tensors byte for byte", async () => {
    const file = path.join(directory, "patch.gguf");
    await writeLlamaGguf(file, { seed: 3, embeddingLength: 32, blockCount: 1, headCount: 2 });
    const before = await readGgufHeader(file);
    const dataBefore = (await readFile(file)).subarray(before.dataOffset);
    await patchGgufMetadata(file, [
      ["general.name", { type: GgufValueType.string, value: "a much longer name than before" }],
    ]);
    const after = await readGgufHeader(file);
    expect(after.metadata.get("general.name")?.value).toBe("a much longer name than before");
    expect(after.tensors).toEqual(before.tensors);
    expect((await readFile(file)).subarray(after.dataOffset).equals(dataBefore)).toBe(true);
  });

  it("loads in node-llama-cpp, tokenises ChatML control tokens and generates", async () => {
    const file = path.join(directory, "load.gguf");
    await writeLlamaGguf(file, { seed: 11 });
    const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
    try {
      const tokens = model.tokenize("<|im_start|>user\nhé<|im_end|>", true);
      // Control tokens become single ids; "é" is two bytes, so two byte-level tokens.
      expect(tokens).toEqual([257, 117, 115, 101, 114, 10, 104, 0xc3, 0xa9, 258]);
      const context = await model.createContext({ contextSize: 256, threads: 2 });
      const sequence = context.getSequence();
      const generated: number[] = [];
      for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
        generated.push(token);
        if (generated.length >= 8) break;
      }
      expect(generated).toHaveLength(8);
      await context.dispose();
    } finally {
      await model.dispose();
    }
  });
});
