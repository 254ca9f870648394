import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LlamaChatSession } from "node-llama-cpp";
import { llamaRuntime } from "../../inference/llama/llama-runtime.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatMlTemplate } from "../../inference/gguf/chat-template.ts";
import { readGgufHeader } from "../../inference/gguf/gguf-reader.ts";
import { writeLlamaGguf } from "../../inference/gguf/gguf-writer.ts";
import { train, type TrainingProgress } from "./trainer.ts";
import { TrainingFailedError } from "./trainer-errors.ts";
import type { TrainingExample } from "./training-tokens.ts";

const examples: TrainingExample[] = [
  {
    messages: [
      { role: "user", content: "Hello!" },
      { role: "assistant", content: "Hello! How can I help you today?" },
    ],
  },
  {
    messages: [
      { role: "user", content: "What colour is the sky?" },
      { role: "assistant", content: "The sky is blue on a clear day." },
    ],
  },
];

async function collect(events: AsyncIterable<TrainingProgress>): Promise<TrainingProgress[]> {
  const seen: TrainingProgress[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

describe("train", () => {
  let directory: string;
  let baseModel: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "custodian-trainer-"));
    baseModel = path.join(directory, "base.gguf");
    await writeLlamaGguf(baseModel, { seed: 5, name: "trainer-test-base" });
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("[FT-1] trains in a child process: the loss falls, and the saved model loads and answers", async () => {
    const outputPath = path.join(directory, "trained.gguf");
    const events = await collect(
      train({
        baseModel,
        outputPath,
        examples,
        epochs: 30,
        learningRate: 1e-3,
        warmupSteps: 5,
        seed: 1,
        threads: 1,
      }),
    );
    const started = events.find((event) => event.type === "started");
    expect(started).toMatchObject({ window: 256 });
    const epochs = events.filter((event) => event.type === "epoch");
    expect(epochs).toHaveLength(30);
    const [first, last] = [epochs[0], epochs.at(-1)];
    expect(last!.loss).toBeLessThan(first!.loss * 0.5);
    const progress = events.filter((event) => event.type === "progress");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((event) => event.tokensPerSecond >= 0 && Number.isFinite(event.loss))).toBe(true);
    expect(events.at(-1)).toEqual({ type: "saved", outputPath });

    // The saved file lost these; the trainer copies them back from the base model.
    const header = await readGgufHeader(outputPath);
    expect(header.metadata.get("tokenizer.chat_template")?.value).toBe(chatMlTemplate);
    expect(header.metadata.get("general.name")?.value).toBe("trainer-test-base");
    expect(header.metadata.get("llama.context_length")?.value).toBe(256);

    // The runtime the server and the trainer's tokeniser share, as in production.
    const llama = await llamaRuntime({ threads: 1 });
    const model = await llama.loadModel({ modelPath: outputPath, gpuLayers: 0 });
    try {
      const context = await model.createContext({ contextSize: 256, threads: 2 });
      const session = new LlamaChatSession({
        contextSequence: context.getSequence(),
        systemPrompt: "Be brief.",
      });
      const answer = await session.prompt("Hello!", { maxTokens: 40, temperature: 0 });
      expect(answer.length).toBeGreaterThan(0);
      // Trained on plain ASCII text, its greedy answer is plain text, not stray bytes.
      expect(answer).toMatch(/^[\x20-\x7e\n]+$/);
      await context.dispose();
    } finally {
      await model.dispose();
    }
  }, 180_000);

  it("reports a child killed mid-epoch as a failure, and the parent trains again afterwards", async () => {
    const outputPath = path.join(directory, "killed.gguf");
    const canary = "CANARY-7f3a9c-training-text";
    const longText = `The quick brown fox jumps over the lazy dog, ${canary}. `.repeat(300);
    let childPid = 0;
    let killedAt: Extract<TrainingProgress, { type: "progress" }> | undefined;
    const run = async () => {
      for await (const event of train({
        baseModel,
        outputPath,
        text: longText,
        epochs: 50,
        learningRate: 1e-3,
        threads: 1,
      })) {
        if (event.type === "started") childPid = event.pid;
        if (event.type === "progress" && !killedAt) {
          killedAt = event;
          process.kill(childPid, "SIGKILL");
        }
      }
    };
    const failure = await run().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TrainingFailedError);
    expect(failure).toMatchObject({ reason: "crashed", code: "training_crashed", status: 500 });
    expect((failure as TrainingFailedError).diagnostics.signal).toBe("SIGKILL");
    // The failure, its message and its diagnostics never carry the training text.
    const failed = failure as TrainingFailedError;
    expect(`${failed.message} ${failed.diagnostics.stderrTail}`).not.toContain(canary);
    expect(killedAt!.step).toBeLessThan(killedAt!.steps); // mid-epoch
    expect(existsSync(outputPath)).toBe(false);

    const again = await collect(
      train({
        baseModel,
        outputPath,
        text: "Short and sweet. ".repeat(20),
        epochs: 1,
        learningRate: 1e-3,
        threads: 1,
      }),
    );
    expect(again.at(-1)).toEqual({ type: "saved", outputPath });
  });

  it("fails as cancelled when its signal aborts mid-run", async () => {
    const controller = new AbortController();
    const outputPath = path.join(directory, "cancelled.gguf");
    const failure = await (async () => {
      for await (const event of train({
        baseModel,
        outputPath,
        text: "Cancel me, please. ".repeat(2000),
        epochs: 50,
        learningRate: 1e-3,
        signal: controller.signal,
      })) {
        if (event.type === "progress") controller.abort();
      }
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ reason: "cancelled", code: "training_cancelled" });
    expect(existsSync(outputPath)).toBe(false);
  });

  it("rejects a learning rate of 0 before starting a child (llama.cpp would abort)", async () => {
    const run = train({ baseModel, outputPath: path.join(directory, "x.gguf"), text: "hi", learningRate: 0 });
    await expect(run.next()).rejects.toMatchObject({ status: 400, param: "learning_rate_multiplier" });
  });
});
