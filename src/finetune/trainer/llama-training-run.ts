// Runs one training job through llama.cpp's training API; meant to run inside the trainer's child process.

import { rename, rm } from "node:fs/promises";
import koffi from "koffi";
import { GgufValueType, type GgufValue } from "../../inference/gguf/gguf-format.ts";
import { patchGgufMetadata } from "../../inference/gguf/gguf-metadata-patch.ts";
import { readGgufHeader } from "../../inference/gguf/gguf-reader.ts";
import {
  loadLlamaBindings,
  type LlamaBindings,
  type NativePointer,
  type OptimizerParameters,
} from "./llama-bindings.ts";
import { checkLlamaLayouts } from "./llama-layout-check.ts";
import { TrainingJobError } from "./training-job-error.ts";
import { locateLlamaLibrary } from "./llama-library-location.ts";
import type { TrainingEvent, TrainingJob } from "./training-protocol.ts";
import { trainingWindows } from "./training-windows.ts";

const ggmlTypeF32 = 0;
const ggmlTypeI32 = 26;
const loadModeNone = 0;
const flashAttentionDisabled = 0;
const optimizerAdamW = 0;

/**
 * `llama_model_save_to_file` writes the architecture and vocabulary but drops the chat template
 * and most `general.*` keys, and records the training window as the context length; this puts
 * the base model's values back. `general.alignment` stays as written: it describes the saved
 * file's own data layout.
 */
async function restoreBaseMetadata(basePath: string, savedPath: string): Promise<void> {
  const base = await readGgufHeader(basePath);
  const saved = await readGgufHeader(savedPath);
  const architecture = base.metadata.get("general.architecture")?.value;
  const restored: [string, GgufValue][] = [];
  for (const [key, value] of base.metadata) {
    const general = key.startsWith("general.") && key !== "general.alignment";
    const template = key.startsWith("tokenizer.chat_template");
    const contextLength = key === `${String(architecture)}.context_length`;
    if ((general && !saved.metadata.has(key)) || template || contextLength) restored.push([key, value]);
  }
  restored.push(["general.finetuned_by", { type: GgufValueType.string, value: "custodian" }]);
  await patchGgufMetadata(savedPath, restored);
}

/**
 * llama.cpp hands the thread count to the CPU backend only inside `llama_decode`; the training
 * path never does, so the backend would keep ggml's default of 4 threads, which spin at barriers
 * and made training about ten times slower on a 2-core machine. One single-token decode applies
 * `n_threads`; the training epoch clears the cache it leaves.
 */
function applyThreadCount(bindings: LlamaBindings, context: NativePointer, token: number): void {
  const status = bindings.llama_decode(context, {
    n_tokens: 1,
    token: Int32Array.of(token),
    embd: null,
    pos: null,
    n_seq_id: null,
    seq_id: null,
    logits: null,
  });
  if (status !== 0)
    throw new TrainingJobError("decode_failed", "the training context could not evaluate a token");
}

/** Trains `job.baseModel` on `job.tokens` and saves the result; reports through `emit`. */
export async function runTraining(job: TrainingJob, emit: (event: TrainingEvent) => void): Promise<void> {
  if (!(job.learningRate > 0)) {
    // llama.cpp asserts (and aborts the process) on a learning rate of 0.
    throw new TrainingJobError("invalid_learning_rate", "the learning rate must be greater than 0");
  }
  const location = locateLlamaLibrary({ gpu: job.gpu });
  const { bindings, types } = loadLlamaBindings(location);
  checkLlamaLayouts(bindings);
  bindings.ggml_backend_load_all_from_path(location.binariesDirectory);
  bindings.llama_backend_init();

  const modelParameters = bindings.llama_model_default_params();
  modelParameters.n_gpu_layers = job.gpu ? 999 : 0;
  // Training writes into the weights, so they must live in ordinary writable buffers: no mmap,
  // and no repacked CPU layouts.
  modelParameters.load_mode = loadModeNone;
  modelParameters.use_extra_bufts = false;
  const model = bindings.llama_model_load_from_file(job.baseModel, modelParameters);
  if (!model) throw new TrainingJobError("model_load_failed", "the base model could not be loaded");

  const contextParameters = bindings.llama_context_default_params();
  contextParameters.n_ctx = job.window;
  contextParameters.n_batch = job.window;
  contextParameters.n_ubatch = job.window;
  contextParameters.n_seq_max = 1;
  contextParameters.n_threads = job.threads;
  contextParameters.n_threads_batch = job.threads;
  // The backward pass needs F32 K/V (no F16 OUT_PROD) and has no flash-attention kernel.
  contextParameters.type_k = ggmlTypeF32;
  contextParameters.type_v = ggmlTypeF32;
  contextParameters.flash_attn_type = flashAttentionDisabled;
  const context = bindings.llama_init_from_model(model, contextParameters);
  if (!context) throw new TrainingJobError("context_failed", "the training context could not be created");

  // llama.cpp rounds the context up (to a multiple of 256); the windows must match what it chose.
  const window = bindings.llama_n_ctx(context);
  const tokens = job.tokens;
  const windows = trainingWindows(tokens, window, { seed: job.seed });
  applyThreadCount(bindings, context, tokens[0] ?? 0);

  const dataset = bindings.ggml_opt_dataset_init(ggmlTypeI32, ggmlTypeI32, window, window, windows.count, 1);
  const byteLength = windows.count * window * 4;
  new Int32Array(koffi.view(bindings.ggml_get_data(bindings.ggml_opt_dataset_data(dataset)), byteLength)).set(
    windows.inputs,
  );
  new Int32Array(
    koffi.view(bindings.ggml_get_data(bindings.ggml_opt_dataset_labels(dataset)), byteLength),
  ).set(windows.labels);

  const totalSteps = Math.max(1, job.epochs * windows.count);
  let optimizerStep = 0;
  const optimizerParameters = (): OptimizerParameters => {
    // Called by llama.cpp before each optimiser step.
    const step = optimizerStep++;
    const progress = Math.min(1, step / totalSteps);
    const warmup = job.warmupSteps > 0 ? Math.min(1, (step + 1) / (job.warmupSteps + 1)) : 1;
    const alpha = warmup * job.learningRate * (1 - (1 - job.finalLearningRateFraction) * progress);
    return { adamw: { alpha, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0 }, sgd: { alpha, wd: 0 } };
  };
  // Registered, not transient: llama.cpp keeps the optimiser callback and calls it during each epoch.
  const optimizerCallback = koffi.register(
    optimizerParameters,
    koffi.pointer(types.optimizerParametersCallback),
  );
  const filterCallback = koffi.register(() => true, koffi.pointer(types.paramFilter));
  let epoch = 0;
  let epochStarted = performance.now();
  const loss: [number] = [0];
  const accuracy: [number] = [0];
  const uncertainty: [number] = [0];
  const progressCallback = koffi.register(
    (
      train: boolean,
      _context: unknown,
      _dataset: unknown,
      result: NativePointer,
      batch: unknown,
      batches: unknown,
    ) => {
      if (!train) return;
      bindings.ggml_opt_result_loss(result, loss, uncertainty);
      bindings.ggml_opt_result_accuracy(result, accuracy, uncertainty);
      const step = Number(batch);
      const seconds = (performance.now() - epochStarted) / 1000;
      emit({
        type: "progress",
        epoch,
        step,
        steps: Number(batches),
        loss: loss[0],
        accuracy: accuracy[0],
        tokensPerSecond: seconds > 0 ? Math.round((step * window) / seconds) : 0,
      });
    },
    koffi.pointer(types.epochCallback),
  );
  const resultTrain = bindings.ggml_opt_result_init();
  const resultEvaluation = bindings.ggml_opt_result_init();
  // Unique per process: two servers making the same model at once must not write one file together.
  const partialPath = `${job.outputPath}.${process.pid}.partial`;
  try {
    // Upstream limitation: llama.cpp's training does not update `token_embd` (a FIXME in
    // llama_opt_init) nor, as measured, `attn_k` and `attn_v` (they reach attention through the
    // K/V cache). They keep their initial values; the GGUF writer scales them so the rest learns.
    bindings.llama_opt_init(context, model, {
      n_ctx_train: 0,
      param_filter: filterCallback,
      param_filter_ud: null,
      get_opt_pars: optimizerCallback,
      get_opt_pars_ud: null,
      optimizer_type: optimizerAdamW,
    });
    emit({
      type: "started",
      pid: process.pid,
      window,
      tokens: tokens.length,
      windows: windows.count,
      stepsPerEpoch: windows.count,
    });
    for (epoch = 1; epoch <= job.epochs; epoch++) {
      epochStarted = performance.now();
      bindings.llama_opt_epoch(
        context,
        dataset,
        resultTrain,
        resultEvaluation,
        windows.count,
        progressCallback,
        null,
      );
      bindings.ggml_opt_result_loss(resultTrain, loss, uncertainty);
      bindings.ggml_opt_result_accuracy(resultTrain, accuracy, uncertainty);
      const seconds = (performance.now() - epochStarted) / 1000;
      emit({ type: "epoch", epoch, loss: loss[0], accuracy: accuracy[0], seconds });
      bindings.ggml_opt_result_reset(resultTrain);
    }
    bindings.llama_model_save_to_file(model, partialPath);
    await restoreBaseMetadata(job.baseModel, partialPath);
    await rename(partialPath, job.outputPath);
    emit({ type: "saved", outputPath: job.outputPath });
  } catch (error) {
    await rm(partialPath, { force: true });
    throw error;
  } finally {
    bindings.ggml_opt_result_free(resultTrain);
    bindings.ggml_opt_result_free(resultEvaluation);
    bindings.ggml_opt_dataset_free(dataset);
    bindings.llama_free(context);
    bindings.llama_model_free(model);
    koffi.unregister(progressCallback);
    koffi.unregister(optimizerCallback);
    koffi.unregister(filterCallback);
  }
}
