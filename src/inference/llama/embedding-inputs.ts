// The texts of an embeddings request, as the local model embeds them.
import { errors } from "../../core/errors.ts";
import type { EmbeddingRequest } from "../language-model.ts";

/**
 * The input texts, one per vector to return. Token arrays are refused: an id outside the vocabulary
 * trips an assertion inside llama.cpp, which would end the whole process.
 */
export function embeddingInputs(input: EmbeddingRequest["input"]): string[] {
  const inputs = typeof input === "string" ? [input] : (input as unknown[]);
  if (!inputs.every((item): item is string => typeof item === "string")) {
    throw errors.invalidRequest("Local models embed text; send 'input' as a string or strings.", "input");
  }
  return inputs;
}
