import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LlamaChatSession } from "node-llama-cpp";
import { llamaRuntime } from "../inference/llama/llama-runtime.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrainingProgress } from "./trainer/trainer.ts";
import { ensureDemoModel, type DemoModel } from "./demo-model.ts";
import { chatMlTemplate } from "../inference/gguf/chat-template.ts";
import { readGgufHeader } from "../inference/gguf/gguf-reader.ts";

describe("ensureDemoModel", () => {
  let dataDir: string;
  let demo: DemoModel;
  let buildSeconds: number;
  const progress: TrainingProgress[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "custodian-demo-"));
    const started = performance.now();
    demo = await ensureDemoModel(dataDir, { onProgress: (event) => progress.push(event) });
    buildSeconds = (performance.now() - started) / 1000;
  }, 120_000);
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("[PLAT-3] builds a labelled demo model in the data dir, well under a minute", () => {
    expect(demo).toEqual({
      id: "custodian-demo",
      path: path.join(dataDir, "models", "custodian-demo-v1.gguf"),
      demo: true,
    });
    expect(buildSeconds).toBeLessThan(60);
    const epochs = progress.filter((event) => event.type === "epoch");
    expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0]!.loss);
  });

  it("keeps its chat template and name, and writes valid UTF-8 text when sampled", async () => {
    const header = await readGgufHeader(demo.path);
    expect(header.metadata.get("tokenizer.chat_template")?.value).toBe(chatMlTemplate);
    expect(header.metadata.get("general.name")?.value).toBe("custodian-demo");

    // The runtime the server and the trainer's tokeniser share, as in production.
    const llama = await llamaRuntime({ threads: 1 });
    const model = await llama.loadModel({ modelPath: demo.path, gpuLayers: 0 });
    try {
      const context = await model.createContext({ contextSize: 512, threads: 1 });
      const session = new LlamaChatSession({
        contextSequence: context.getSequence(),
        systemPrompt: "Be brief.",
      });
      let text = "";
      for (const [index, question] of ["Hello!", "What is Custodian?"].entries()) {
        text += await session.prompt(question, { maxTokens: 48, temperature: 1, seed: index + 1 });
      }
      expect(text.length).toBeGreaterThan(0);
      // An untrained byte-level model emits stray bytes that decode to U+FFFD; this one writes text.
      expect(text).not.toContain("\uFFFD");
      expect(Buffer.from(text, "utf8").toString("utf8")).toBe(text);
      const printable = [...text].filter((character) => /[\x20-\x7e\n]/.test(character)).length;
      expect(printable / [...text].length).toBeGreaterThan(0.95);
      await context.dispose();
    } finally {
      await model.dispose();
    }
  });

  it("returns the cached file on later calls without training again", async () => {
    const before = statSync(demo.path).mtimeMs;
    const started = performance.now();
    const again = await ensureDemoModel(dataDir, { onProgress: () => expect.fail("trained again") });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(again).toEqual(demo);
    expect(statSync(demo.path).mtimeMs).toBe(before);
  });
});
