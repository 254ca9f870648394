// The training benchmark: tokens per second of the training engine (src/finetune/trainer/trainer.ts) on a
// model of the demo recipe's shape and a fixed text, with the loss curve.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { train } from "../src/finetune/trainer/trainer.ts";
import { writeLlamaGguf } from "../src/inference/gguf/gguf-writer.ts";
import { durationSeconds, readNumber } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("train");

/**
 * The demo model's shape and training settings, copied from the recipe in src/finetune/demo-model.ts
 * (which does not export it); keep the two in step.
 */
const demoShape = {
  seed: 20251125,
  embeddingLength: 64,
  blockCount: 2,
  headCount: 4,
  feedForwardLength: 256,
  contextLength: 1024,
} as const;
const demoTraining = {
  learningRate: 1e-3,
  warmupSteps: 150,
  finalLearningRateFraction: 0.05,
  seed: 1,
  threads: 1,
} as const;

/** A fixed English text, repeated to the wanted length: the same tokens on every run and every machine. */
const passage =
  "The gateway keeps every conversation sealed under its own key. When a user deletes a conversation, " +
  "the key is destroyed in the same transaction and the purge removes the rows later. Administrators " +
  "see counts and policies, never the words. A model that runs on the same machine answers without " +
  "sending anything elsewhere, and the audit log records who changed which setting and when.\n";

function fixedText(bytes: number): string {
  return passage.repeat(Math.ceil(bytes / passage.length)).slice(0, bytes);
}

export async function run(): Promise<number> {
  const seconds = durationSeconds(40);
  const textBytes = readNumber("BENCH_TRAIN_BYTES", 16_384, (value) => value >= 512, "at least 512 bytes");
  // A fixed number of epochs, so the learning rate follows the recipe's whole schedule (warm-up, then decay
  // to the last step) and the loss curve is comparable between runs; the time budget only caps a slow run.
  const epochCount = readNumber(
    "BENCH_TRAIN_EPOCHS",
    8,
    (value) => Number.isInteger(value) && value >= 1,
    "a whole number of at least 1",
  );
  const directory = await mkdtemp(path.join(tmpdir(), "custodian-bench-train-"));
  try {
    const basePath = path.join(directory, "base.gguf");
    await writeLlamaGguf(basePath, { ...demoShape, name: "custodian-bench" });
    const controller = new AbortController();
    // A run slower than the time budget is cancelled and reported as far as it got.
    const timer = setTimeout(() => controller.abort(), seconds * 1000);
    const epochs: { epoch: number; loss: number; accuracy: number; seconds: number }[] = [];
    const steps: { epoch: number; step: number; loss: number; tokensPerSecond: number }[] = [];
    let started: { tokens: number; window: number; stepsPerEpoch: number } | null = null;
    let cancelled = false;
    const begun = performance.now();
    progress(`training ${epochCount} epochs on ${textBytes} bytes of fixed text, for at most ${seconds} s`);
    try {
      for await (const event of train({
        baseModel: basePath,
        outputPath: path.join(directory, "trained.gguf"),
        text: fixedText(textBytes),
        epochs: epochCount,
        window: 256,
        ...demoTraining,
        signal: controller.signal,
      })) {
        if (event.type === "started") started = event;
        else if (event.type === "progress") steps.push(event);
        else if (event.type === "epoch") {
          epochs.push(event);
          progress(`epoch ${event.epoch}: loss ${event.loss.toFixed(3)} in ${event.seconds.toFixed(1)} s`);
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      cancelled = true;
    } finally {
      clearTimeout(timer);
    }
    const wallSeconds = (performance.now() - begun) / 1000;
    if (!started || epochs.length === 0) throw new Error("training finished no epoch within the time budget");
    const trainedTokens = epochs.length * started.stepsPerEpoch * started.window;
    const trainingSeconds = epochs.reduce((sum, epoch) => sum + epoch.seconds, 0);
    const tokensPerSecond = trainedTokens / trainingSeconds;

    printTable(
      `Training engine: demo recipe shape (${demoShape.blockCount} blocks, ${demoShape.embeddingLength} wide), ` +
        `${started.tokens} tokens, window ${started.window}, ${demoTraining.threads} thread, Node ${process.version}`,
      ["epoch", "loss", "accuracy", "seconds", "tokens/s"],
      epochs.map((epoch) => [
        String(epoch.epoch),
        epoch.loss.toFixed(4),
        epoch.accuracy.toFixed(4),
        epoch.seconds.toFixed(2),
        ((started!.stepsPerEpoch * started!.window) / epoch.seconds).toFixed(0),
      ]),
    );
    console.log(
      `${epochs.length} epochs, ${trainedTokens} tokens trained in ${trainingSeconds.toFixed(1)} s of epochs ` +
        `(${wallSeconds.toFixed(1)} s wall, including start-up and saving` +
        `${cancelled ? `; cancelled at the time budget after ${epochs.length} of ${epochCount} epochs` : ""})`,
    );
    console.log(
      JSON.stringify({
        tokens_per_s: round(tokensPerSecond, 0),
        epochs: epochs.length,
        epochs_planned: epochCount,
        tokens: started.tokens,
        window: started.window,
        threads: demoTraining.threads,
        loss_curve: epochs.map((epoch) => round(epoch.loss, 4)),
        first_loss: round(epochs[0]!.loss, 4),
        last_loss: round(epochs.at(-1)!.loss, 4),
        wall_s: round(wallSeconds, 1),
        llama_finetune_ratio: null,
      }),
    );
    return 0;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
