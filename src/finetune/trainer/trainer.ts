// Runs a training job (FT-1: llama.cpp's own training engine) in a child process and streams its progress; the parent survives any crash of the child.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { errors } from "../../core/errors.ts";
import { trainerErrors, type TrainingFailedError } from "./trainer-errors.ts";
import { decodeEvent, type TrainingEvent, type TrainingJob } from "./training-protocol.ts";
import { trainingTokens, type TrainingExample } from "./training-tokens.ts";

export interface TrainOptions {
  /** Path of the GGUF model to start from. */
  baseModel: string;
  /** Where the trained GGUF is written; it appears only once training has succeeded. */
  outputPath: string;
  /**
   * Chat-format examples, rendered through the base model's chat wrapper as the server renders
   * chats; or `text`, tokenised as it is (control tokens written in it are recognised).
   */
  examples?: readonly TrainingExample[];
  text?: string;
  epochs?: number;
  /**
   * AdamW learning rate. Must be above 0 (llama.cpp aborts on 0); rates above about 2e-4
   * diverge on small pretrained models, though a freshly initialised tiny model takes more.
   */
  learningRate?: number;
  /** Decay the learning rate linearly to this fraction of itself by the last step (default 1: constant). */
  finalLearningRateFraction?: number;
  /** Raise the learning rate linearly over this many first steps (default 0). */
  warmupSteps?: number;
  /** Tokens per training window; llama.cpp rounds it up to a multiple of 256. */
  window?: number;
  seed?: number;
  /** Defaults to the number of cores: the library's own default of 4 threads is slow on small machines. */
  threads?: number;
  /** Train with node-llama-cpp's CUDA build. */
  gpu?: boolean;
  /** Aborting kills the child; the run then fails as cancelled. */
  signal?: AbortSignal;
}

/** What the caller sees: every event from the child except errors, which end the run as a thrown error. */
export type TrainingProgress = Exclude<TrainingEvent, { type: "error" }>;

const childScript = fileURLToPath(new URL("./train-child.ts", import.meta.url));
const stderrTailBytes = 8192;

async function jobFrom(options: TrainOptions): Promise<TrainingJob> {
  if (!options.text && !options.examples?.length) {
    throw errors.invalidRequest("Training needs examples or text.", "training_file");
  }
  const learningRate = options.learningRate ?? 1e-4;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw errors.invalidRequest("The learning rate must be a number above 0.", "learning_rate_multiplier");
  }
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw errors.invalidRequest("The number of epochs must be a whole number of at least 1.", "n_epochs");
  }
  const finalLearningRateFraction = options.finalLearningRateFraction ?? 1;
  if (!(finalLearningRateFraction > 0 && finalLearningRateFraction <= 1)) {
    // The rate must stay above 0 to the last step: llama.cpp aborts on a rate of 0.
    throw errors.invalidRequest("The final learning rate fraction must be above 0 and at most 1.");
  }
  const window = options.window ?? 256;
  if (!Number.isInteger(window) || window < 1 || window > 65536) {
    throw errors.invalidRequest("The training window must be a whole number of tokens up to 65536.");
  }
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw errors.invalidRequest("The thread count must be a whole number of at least 1.");
  }
  const tokens = await trainingTokens(options.baseModel, { examples: options.examples, text: options.text });
  if (tokens.length < 2) throw errors.invalidRequest("The training data is too short.", "training_file");
  return {
    baseModel: options.baseModel,
    finalLearningRateFraction,
    warmupSteps: Math.max(0, Math.floor(options.warmupSteps ?? 0)),
    outputPath: options.outputPath,
    tokens,
    epochs,
    learningRate,
    window,
    seed: options.seed ?? 0,
    threads,
    gpu: options.gpu ?? false,
  };
}

/**
 * Trains in a child process (`train-child.ts`), because an assertion inside llama.cpp aborts the
 * whole process it runs in. Yields the child's progress; throws a `TrainingFailedError` when the
 * child crashes, is killed, reports an error, or ends without saving. Stopping the iteration
 * early kills the child.
 */
export async function* train(options: TrainOptions): AsyncGenerator<TrainingProgress, void, undefined> {
  const job = await jobFrom(options);
  options.signal?.throwIfAborted();
  const child = spawn(process.execPath, [childScript], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const closed = once(child, "close") as Promise<[number | null, NodeJS.Signals | null]>;
  let stderrTail = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-stderrTailBytes);
  });
  // A child that dies before reading its job closes stdin under us; the exit status reports that.
  child.stdin.on("error", () => {});
  child.stdin.end(JSON.stringify(job));

  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    child.kill("SIGKILL");
  };
  options.signal?.addEventListener("abort", cancel, { once: true });

  let reported: Extract<TrainingEvent, { type: "error" }> | undefined;
  let saved = false;
  try {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
      const event = decodeEvent(line);
      if (!event) continue;
      if (event.type === "error") {
        reported = event;
        continue;
      }
      if (event.type === "saved") saved = true;
      yield event;
    }
    const [exitCode, signal] = await closed;
    const diagnostics: TrainingFailedError["diagnostics"] = { exitCode, signal, stderrTail };
    if (cancelled) throw trainerErrors.cancelled(diagnostics);
    if (reported) throw trainerErrors.reported(reported.code, reported.message, diagnostics);
    if (exitCode !== 0) throw trainerErrors.crashed(diagnostics);
    if (!saved) throw trainerErrors.incomplete(diagnostics);
  } finally {
    options.signal?.removeEventListener("abort", cancel);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await closed;
    }
    // A child killed while saving leaves its half-written file behind (see llama-training-run.ts).
    if (!saved) await rm(`${job.outputPath}.${String(child.pid)}.partial`, { force: true });
  }
}
