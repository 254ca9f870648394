// Checks at start-up that the struct layouts mirrored from llama.h match the loaded library.

import type { LlamaBindings } from "./llama-bindings.ts";
import { TrainingJobError } from "./training-job-error.ts";

/**
 * The defaults llama.cpp fills in (`llama_model_default_params`, `llama_context_default_params`,
 * `ggml_opt_get_default_optimizer_params`) are known values at known positions. If a newer
 * libllama adds, removes or reorders a field, these values land in other fields, and training
 * stops here with a clear error instead of passing garbage into native code.
 */
export function checkLlamaLayouts(bindings: LlamaBindings): void {
  const mismatches: string[] = [];
  const expect = (struct: string, field: string, actual: unknown, expected: unknown) => {
    const same =
      typeof expected === "number" && typeof actual === "number"
        ? Math.abs(actual - expected) <= Math.abs(expected) * 1e-6
        : actual === expected;
    if (!same) mismatches.push(`${struct}.${field} = ${String(actual)}, expected ${String(expected)}`);
  };

  const model = bindings.llama_model_default_params();
  expect("llama_model_params", "devices", model.devices, null);
  expect("llama_model_params", "n_gpu_layers", model.n_gpu_layers, -1);
  expect("llama_model_params", "split_mode", model.split_mode, 1);
  expect("llama_model_params", "load_mode", model.load_mode, -1);
  expect("llama_model_params", "lazy_mode", model.lazy_mode, 1);
  expect("llama_model_params", "main_gpu", model.main_gpu, 0);
  expect("llama_model_params", "kv_overrides", model.kv_overrides, null);
  expect("llama_model_params", "vocab_only", model.vocab_only, false);
  expect("llama_model_params", "use_extra_bufts", model.use_extra_bufts, true);
  expect("llama_model_params", "no_alloc", model.no_alloc, false);

  const context = bindings.llama_context_default_params();
  expect("llama_context_params", "n_ctx", context.n_ctx, 512);
  expect("llama_context_params", "n_batch", context.n_batch, 2048);
  expect("llama_context_params", "n_ubatch", context.n_ubatch, 512);
  expect("llama_context_params", "n_seq_max", context.n_seq_max, 1);
  expect("llama_context_params", "n_outputs_max_per_seq", context.n_outputs_max_per_seq, 1);
  expect("llama_context_params", "n_threads", context.n_threads, 4);
  expect("llama_context_params", "n_threads_batch", context.n_threads_batch, 4);
  expect("llama_context_params", "flash_attn_type", context.flash_attn_type, -1);
  expect("llama_context_params", "yarn_ext_factor", context.yarn_ext_factor, -1);
  expect("llama_context_params", "yarn_beta_slow", context.yarn_beta_slow, -1);
  expect("llama_context_params", "defrag_thold", context.defrag_thold, -1);
  expect("llama_context_params", "type_k", context.type_k, 1);
  expect("llama_context_params", "type_v", context.type_v, 1);
  expect("llama_context_params", "embeddings", context.embeddings, false);
  expect("llama_context_params", "offload_kqv", context.offload_kqv, true);
  expect("llama_context_params", "no_perf", context.no_perf, true);
  expect("llama_context_params", "op_offload", context.op_offload, true);
  expect("llama_context_params", "swa_full", context.swa_full, true);
  expect("llama_context_params", "kv_unified", context.kv_unified, false);
  expect("llama_context_params", "n_samplers", Number(context.n_samplers), 0);

  const optimizer = bindings.ggml_opt_get_default_optimizer_params(null);
  expect("ggml_opt_optimizer_params", "adamw.alpha", optimizer.adamw.alpha, 0.001);
  expect("ggml_opt_optimizer_params", "adamw.beta2", optimizer.adamw.beta2, 0.999);
  expect("ggml_opt_optimizer_params", "adamw.eps", optimizer.adamw.eps, 1e-8);
  expect("ggml_opt_optimizer_params", "sgd.alpha", optimizer.sgd.alpha, 0.001);

  if (mismatches.length > 0) {
    throw new TrainingJobError(
      "library_mismatch",
      `the loaded libllama does not match the struct layouts mirrored from llama.h ` +
        `(node-llama-cpp was upgraded?): ${mismatches.join("; ")}`,
    );
  }
}
