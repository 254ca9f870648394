// Makes the built-in demo model on first use: a tiny seeded llama model, briefly trained so it writes plain text.

import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { train, type TrainingProgress } from "./trainer/trainer.ts";
import type { TrainingExample } from "./trainer/training-tokens.ts";
import { writeLlamaGguf } from "../inference/gguf/gguf-writer.ts";

export interface DemoModel {
  id: "custodian-demo";
  path: string;
  /** Always true: list it as a demo, never as a real model. */
  demo: true;
}

export interface DemoModelOptions {
  /** Called with the training progress on the first call, which builds the model. */
  onProgress?: (progress: TrainingProgress) => void;
  signal?: AbortSignal;
}

/**
 * The recipe. Changing any of it must change `recipeVersion`, so cached files from an older
 * recipe are not served as this one. Sized so that the first start stays well under a minute on
 * two cores (about 20 s on a busy one); one training thread, because llama.cpp's threads
 * spin-wait on each other and a second thread slows a tiny model down on a shared machine.
 */
const recipeVersion = 1;
const recipe = {
  model: {
    seed: 20251125,
    embeddingLength: 64,
    blockCount: 2,
    headCount: 4,
    feedForwardLength: 256,
    contextLength: 1024,
  },
  training: {
    epochs: 32,
    learningRate: 1e-3,
    warmupSteps: 150,
    finalLearningRateFraction: 0.05,
    seed: 1,
    threads: 1,
  },
} as const;

/** Where the demo model of the current recipe is cached in a data directory. */
export function demoModelPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), "models", `custodian-demo-v${recipeVersion}.gguf`);
}

/** How many epochs a build trains: its progress counts them. */
export const demoModelEpochs = recipe.training.epochs;

const corpusPath = fileURLToPath(new URL("../../data/demo-conversations.jsonl", import.meta.url));
const building = new Map<string, Promise<DemoModel>>();

async function demoCorpus(): Promise<TrainingExample[]> {
  const lines = (await readFile(corpusPath, "utf8")).split("\n").filter((line) => line.trim() !== "");
  return lines.map((line) => JSON.parse(line) as TrainingExample);
}

async function build(modelPath: string, options: DemoModelOptions): Promise<DemoModel> {
  await mkdir(path.dirname(modelPath), { recursive: true });
  const basePath = `${modelPath}.${process.pid}.base`;
  try {
    await writeLlamaGguf(basePath, { ...recipe.model, name: "custodian-demo" });
    for await (const progress of train({
      baseModel: basePath,
      outputPath: modelPath,
      examples: await demoCorpus(),
      ...recipe.training,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      options.onProgress?.(progress);
    }
  } finally {
    await rm(basePath, { force: true });
  }
  return { id: "custodian-demo", path: modelPath, demo: true };
}

/**
 * Returns the demo model, building it on the first call into `<dataDir>/models/` (the trainer
 * writes the file only once training succeeded, so a file that exists is complete). Later calls,
 * and concurrent calls in this process, share the cached file.
 */
export async function ensureDemoModel(dataDir: string, options: DemoModelOptions = {}): Promise<DemoModel> {
  const modelPath = demoModelPath(dataDir);
  if (existsSync(modelPath)) return { id: "custodian-demo", path: modelPath, demo: true };
  let pending = building.get(modelPath);
  if (!pending) {
    pending = build(modelPath, options).finally(() => building.delete(modelPath));
    building.set(modelPath, pending);
  }
  return pending;
}
