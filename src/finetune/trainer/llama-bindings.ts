// The slice of llama.cpp's C API the trainer calls, declared for koffi from the bundled llama.h.

import koffi, { type TypeObject } from "koffi";
import type { LlamaLibraryLocation } from "./llama-library-location.ts";

/** A native pointer as koffi 3 passes it: an address, or null. */
export type NativePointer = bigint | null;

/** `struct llama_model_params` (llama.h), field for field and in order. */
export interface LlamaModelParameters {
  devices: NativePointer;
  tensor_buft_overrides: NativePointer;
  n_gpu_layers: number;
  split_mode: number;
  load_mode: number;
  lazy_mode: number;
  main_gpu: number;
  tensor_split: NativePointer;
  progress_callback: NativePointer;
  progress_callback_user_data: NativePointer;
  kv_overrides: NativePointer;
  vocab_only: boolean;
  check_tensors: boolean;
  use_extra_bufts: boolean;
  no_host: boolean;
  no_alloc: boolean;
  load_mtp: boolean;
}

/** `struct llama_context_params` (llama.h), field for field and in order. */
export interface LlamaContextParameters {
  n_ctx: number;
  n_batch: number;
  n_ubatch: number;
  n_seq_max: number;
  n_rs_seq: number;
  n_outputs_max: number;
  n_outputs_max_per_seq: number;
  n_threads: number;
  n_threads_batch: number;
  ctx_type: number;
  rope_scaling_type: number;
  pooling_type: number;
  attention_type: number;
  flash_attn_type: number;
  rope_freq_base: number;
  rope_freq_scale: number;
  yarn_ext_factor: number;
  yarn_attn_factor: number;
  yarn_beta_fast: number;
  yarn_beta_slow: number;
  yarn_orig_ctx: number;
  defrag_thold: number;
  cb_eval: NativePointer;
  cb_eval_user_data: NativePointer;
  type_k: number;
  type_v: number;
  abort_callback: NativePointer;
  abort_callback_data: NativePointer;
  embeddings: boolean;
  offload_kqv: boolean;
  no_perf: boolean;
  op_offload: boolean;
  swa_full: boolean;
  kv_unified: boolean;
  samplers: NativePointer;
  n_samplers: number | bigint;
  ctx_other: NativePointer;
}

/** `struct ggml_opt_optimizer_params` (ggml-opt.h). */
export interface OptimizerParameters {
  adamw: { alpha: number; beta1: number; beta2: number; eps: number; wd: number };
  sgd: { alpha: number; wd: number };
}

export type EpochCallback = (
  train: boolean,
  optimizerContext: NativePointer,
  dataset: NativePointer,
  result: NativePointer,
  batch: bigint | number,
  batchCount: bigint | number,
  startMicroseconds: bigint | number,
) => void;

export interface LlamaBindings {
  ggml_backend_load_all_from_path(directory: string): void;
  llama_backend_init(): void;
  llama_backend_free(): void;
  llama_model_default_params(): LlamaModelParameters;
  llama_context_default_params(): LlamaContextParameters;
  llama_model_load_from_file(path: string, parameters: LlamaModelParameters): NativePointer;
  llama_model_free(model: NativePointer): void;
  llama_model_save_to_file(model: NativePointer, path: string): void;
  llama_model_get_vocab(model: NativePointer): NativePointer;
  llama_init_from_model(model: NativePointer, parameters: LlamaContextParameters): NativePointer;
  llama_free(context: NativePointer): void;
  llama_n_ctx(context: NativePointer): number;
  llama_decode(
    context: NativePointer,
    batch: {
      n_tokens: number;
      token: Int32Array;
      embd: null;
      pos: null;
      n_seq_id: null;
      seq_id: null;
      logits: null;
    },
  ): number;
  llama_tokenize(
    vocab: NativePointer,
    text: Buffer,
    textLength: number,
    tokens: Int32Array | null,
    maximumTokens: number,
    addSpecial: boolean,
    parseSpecial: boolean,
  ): number;
  llama_opt_init(
    context: NativePointer,
    model: NativePointer,
    parameters: {
      n_ctx_train: number;
      param_filter: unknown;
      param_filter_ud: NativePointer;
      get_opt_pars: unknown;
      get_opt_pars_ud: NativePointer;
      optimizer_type: number;
    },
  ): void;
  llama_opt_epoch(
    context: NativePointer,
    dataset: NativePointer,
    resultTrain: NativePointer,
    resultEvaluation: NativePointer,
    splitIndex: number | bigint,
    trainCallback: unknown,
    evaluationCallback: unknown,
  ): void;
  ggml_opt_dataset_init(
    typeData: number,
    typeLabel: number,
    elementsPerDatapoint: number,
    elementsPerLabel: number,
    datapoints: number,
    datapointsPerShard: number,
  ): NativePointer;
  ggml_opt_dataset_free(dataset: NativePointer): void;
  ggml_opt_dataset_data(dataset: NativePointer): NativePointer;
  ggml_opt_dataset_labels(dataset: NativePointer): NativePointer;
  ggml_get_data(tensor: NativePointer): NativePointer;
  ggml_opt_result_init(): NativePointer;
  ggml_opt_result_free(result: NativePointer): void;
  ggml_opt_result_reset(result: NativePointer): void;
  ggml_opt_result_loss(result: NativePointer, loss: [number], uncertainty: [number]): void;
  ggml_opt_result_accuracy(result: NativePointer, accuracy: [number], uncertainty: [number]): void;
  ggml_opt_get_default_optimizer_params(userData: NativePointer): OptimizerParameters;
}

export interface LoadedLlama {
  bindings: LlamaBindings;
  /** koffi types the caller needs to register callbacks. */
  types: { optimizerParametersCallback: TypeObject; epochCallback: TypeObject; paramFilter: TypeObject };
}

let loaded: LoadedLlama | undefined;

/**
 * Loads the libraries once per process; koffi type names are global, so declaring them twice
 * would fail. Load order matters: libllama's RUNPATH finds its siblings, but loading ggml-base
 * and ggml first by absolute path makes the variant that is used explicit.
 */
export function loadLlamaBindings(location: LlamaLibraryLocation): LoadedLlama {
  if (loaded) return loaded;
  const ggmlBase = koffi.load(location.ggmlBase);
  const ggml = koffi.load(location.ggml);
  const llama = koffi.load(location.llama);

  const pointer = "void *";
  const ModelParameters = koffi.struct("llama_model_params", {
    devices: pointer,
    tensor_buft_overrides: pointer,
    n_gpu_layers: "int32_t",
    split_mode: "int",
    load_mode: "int",
    lazy_mode: "int",
    main_gpu: "int32_t",
    tensor_split: pointer,
    progress_callback: pointer,
    progress_callback_user_data: pointer,
    kv_overrides: pointer,
    vocab_only: "bool",
    check_tensors: "bool",
    use_extra_bufts: "bool",
    no_host: "bool",
    no_alloc: "bool",
    load_mtp: "bool",
  });
  const ContextParameters = koffi.struct("llama_context_params", {
    n_ctx: "uint32_t",
    n_batch: "uint32_t",
    n_ubatch: "uint32_t",
    n_seq_max: "uint32_t",
    n_rs_seq: "uint32_t",
    n_outputs_max: "uint32_t",
    n_outputs_max_per_seq: "uint32_t",
    n_threads: "int32_t",
    n_threads_batch: "int32_t",
    ctx_type: "int",
    rope_scaling_type: "int",
    pooling_type: "int",
    attention_type: "int",
    flash_attn_type: "int",
    rope_freq_base: "float",
    rope_freq_scale: "float",
    yarn_ext_factor: "float",
    yarn_attn_factor: "float",
    yarn_beta_fast: "float",
    yarn_beta_slow: "float",
    yarn_orig_ctx: "uint32_t",
    defrag_thold: "float",
    cb_eval: pointer,
    cb_eval_user_data: pointer,
    type_k: "int",
    type_v: "int",
    abort_callback: pointer,
    abort_callback_data: pointer,
    embeddings: "bool",
    offload_kqv: "bool",
    no_perf: "bool",
    op_offload: "bool",
    swa_full: "bool",
    kv_unified: "bool",
    samplers: pointer,
    n_samplers: "size_t",
    ctx_other: pointer,
  });
  const OptimizerParametersType = koffi.struct("ggml_opt_optimizer_params", {
    adamw: koffi.struct({ alpha: "float", beta1: "float", beta2: "float", eps: "float", wd: "float" }),
    sgd: koffi.struct({ alpha: "float", wd: "float" }),
  });
  const optimizerParametersCallback = koffi.proto("ggml_opt_get_optimizer_params", OptimizerParametersType, [
    pointer,
  ]);
  const paramFilter = koffi.proto("llama_opt_param_filter", "bool", [pointer, pointer]);
  const epochCallback = koffi.proto("ggml_opt_epoch_callback", "void", [
    "bool",
    pointer,
    pointer,
    pointer,
    "int64_t",
    "int64_t",
    "int64_t",
  ]);
  const OptParameters = koffi.struct("llama_opt_params", {
    n_ctx_train: "uint32_t",
    param_filter: koffi.pointer(paramFilter),
    param_filter_ud: pointer,
    get_opt_pars: koffi.pointer(optimizerParametersCallback),
    get_opt_pars_ud: pointer,
    optimizer_type: "int",
  });

  const Batch = koffi.struct("llama_batch", {
    n_tokens: "int32_t",
    token: "int32_t *",
    embd: "float *",
    pos: "int32_t *",
    n_seq_id: "int32_t *",
    seq_id: pointer,
    logits: "int8_t *",
  });

  const bindings = {
    ggml_backend_load_all_from_path: ggml.func("ggml_backend_load_all_from_path", "void", ["str"]),
    llama_backend_init: llama.func("llama_backend_init", "void", []),
    llama_backend_free: llama.func("llama_backend_free", "void", []),
    llama_model_default_params: llama.func("llama_model_default_params", ModelParameters, []),
    llama_context_default_params: llama.func("llama_context_default_params", ContextParameters, []),
    llama_model_load_from_file: llama.func("llama_model_load_from_file", pointer, ["str", ModelParameters]),
    llama_model_free: llama.func("llama_model_free", "void", [pointer]),
    llama_model_save_to_file: llama.func("llama_model_save_to_file", "void", [pointer, "str"]),
    llama_model_get_vocab: llama.func("llama_model_get_vocab", pointer, [pointer]),
    llama_init_from_model: llama.func("llama_init_from_model", pointer, [pointer, ContextParameters]),
    llama_free: llama.func("llama_free", "void", [pointer]),
    llama_n_ctx: llama.func("llama_n_ctx", "uint32_t", [pointer]),
    llama_decode: llama.func("llama_decode", "int32_t", [pointer, Batch]),
    llama_tokenize: llama.func("llama_tokenize", "int32_t", [
      pointer,
      "const char *",
      "int32_t",
      "int32_t *",
      "int32_t",
      "bool",
      "bool",
    ]),
    llama_opt_init: llama.func("llama_opt_init", "void", [pointer, pointer, OptParameters]),
    llama_opt_epoch: llama.func("llama_opt_epoch", "void", [
      pointer,
      pointer,
      pointer,
      pointer,
      "int64_t",
      koffi.pointer(epochCallback),
      koffi.pointer(epochCallback),
    ]),
    ggml_opt_dataset_init: ggmlBase.func("ggml_opt_dataset_init", pointer, [
      "int",
      "int",
      "int64_t",
      "int64_t",
      "int64_t",
      "int64_t",
    ]),
    ggml_opt_dataset_free: ggmlBase.func("ggml_opt_dataset_free", "void", [pointer]),
    ggml_opt_dataset_data: ggmlBase.func("ggml_opt_dataset_data", pointer, [pointer]),
    ggml_opt_dataset_labels: ggmlBase.func("ggml_opt_dataset_labels", pointer, [pointer]),
    ggml_get_data: ggmlBase.func("ggml_get_data", pointer, [pointer]),
    ggml_opt_result_init: ggmlBase.func("ggml_opt_result_init", pointer, []),
    ggml_opt_result_free: ggmlBase.func("ggml_opt_result_free", "void", [pointer]),
    ggml_opt_result_reset: ggmlBase.func("ggml_opt_result_reset", "void", [pointer]),
    ggml_opt_result_loss: ggmlBase.func("ggml_opt_result_loss", "void", [
      pointer,
      koffi.out(koffi.pointer("double")),
      koffi.out(koffi.pointer("double")),
    ]),
    ggml_opt_result_accuracy: ggmlBase.func("ggml_opt_result_accuracy", "void", [
      pointer,
      koffi.out(koffi.pointer("double")),
      koffi.out(koffi.pointer("double")),
    ]),
    ggml_opt_get_default_optimizer_params: ggmlBase.func(
      "ggml_opt_get_default_optimizer_params",
      OptimizerParametersType,
      [pointer],
    ),
  } as unknown as LlamaBindings; // koffi functions are untyped; LlamaBindings states their C signatures.

  loaded = { bindings, types: { optimizerParametersCallback, epochCallback, paramFilter } };
  return loaded;
}
