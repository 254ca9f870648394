import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeGgufHeader } from "../inference/gguf/gguf-encoder.ts";
import { GgufValueType } from "../inference/gguf/gguf-format.ts";
import { writeLlamaGguf } from "../inference/gguf/gguf-writer.ts";
import { baseModels } from "./base-models.ts";

describe("baseModels", () => {
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-bases-"));
  const f32 = path.join(directory, "f32.gguf");
  const quantised = path.join(directory, "q4.gguf");
  beforeAll(async () => {
    await writeLlamaGguf(f32, { seed: 1, embeddingLength: 32, blockCount: 1, headCount: 2 });
    // Only the header is read: one Q4_0 (type 2) tensor makes a model quantised.
    const header = encodeGgufHeader(
      [["general.architecture", { type: GgufValueType.string, value: "llama" }]],
      [{ name: "token_embd.weight", dimensions: [32n, 8n], type: 2, offset: 0n }],
      32,
    );
    writeFileSync(quantised, header);
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const bases = baseModels([
    { id: "f32", path: f32 },
    { id: "q4", path: quantised },
  ]);

  it("accepts an F32 model served in process", async () => {
    await expect(bases.trainablePath("f32")).resolves.toBe(f32);
  });

  it("refuses a quantised base with a 400 that says why", async () => {
    await expect(bases.trainablePath("q4")).rejects.toMatchObject({
      status: 400,
      code: "model_not_trainable",
      message: expect.stringMatching(/quantised.*F32 or F16/),
    });
  });

  it("refuses a model that is not served in process (an upstream model, or a fine-tuned one)", async () => {
    await expect(bases.trainablePath("gpt-4o")).rejects.toMatchObject({ status: 400, param: "model" });
  });
});
