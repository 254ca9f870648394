// The models a fine-tuning job may start from: the GGUF files the llama provider serves, in a
// format llama.cpp's training can write back into (F32 or F16 weights only).
import { readGgufHeader } from "../inference/gguf/gguf-reader.ts";
import { errors } from "../core/errors.ts";

const trainableTypes = new Set([0 /* F32 */, 1 /* F16 */]);

export interface BaseModels {
  /** The path of a trainable base model, or a 400 saying why this id cannot be trained. */
  trainablePath(id: string): Promise<string>;
}

export function baseModels(entries: ReadonlyArray<{ id: string; path: string }>): BaseModels {
  const paths = new Map(entries.map((entry) => [entry.id, entry.path]));
  return {
    async trainablePath(id) {
      const path = paths.get(id);
      if (!path) {
        throw errors.invalidRequest(
          `The model '${id}' cannot be fine-tuned: only models served in process by this installation (GGUF files) can be.`,
          "model",
          "model_not_trainable",
        );
      }
      const header = await readGgufHeader(path);
      if (!header.tensors.every((tensor) => trainableTypes.has(tensor.type))) {
        throw errors.invalidRequest(
          `The model '${id}' is quantised; llama.cpp's training updates F32 or F16 weights only. Fine-tune an F32 or F16 GGUF of it instead.`,
          "model",
          "model_not_trainable",
        );
      }
      return path;
    },
  };
}
