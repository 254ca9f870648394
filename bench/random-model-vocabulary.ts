// A byte-level BPE vocabulary of a real model's size for the random-weight benchmark model: the demo
// model's 256 byte symbols and three control tokens, then tokens made by merges, so that llama.cpp's
// `gpt2` tokenizer really merges (prompts become word pieces, not one token per byte) and the output
// layer and the sampler work over tens of thousands of tokens, as they do for a real small model.
import { byteSymbols } from "../src/inference/gguf/byte-level-vocabulary.ts";
import { byteLevelVocabulary, type GgufVocabulary } from "../src/inference/gguf/gguf-writer.ts";

const tokenTypeNormal = 1;

/**
 * `size` tokens: after the 259 of the byte-level vocabulary, every space or letter followed by a
 * lowercase letter ("Ġa", "ab", "Ab"), then those pairs followed by a lowercase letter ("Ġab"), in
 * a fixed order until the vocabulary is full. Each new token has its merge, ranked in creation order.
 */
export function mergedVocabulary(size: number): GgufVocabulary {
  const vocabulary = byteLevelVocabulary();
  const symbols = byteSymbols();
  const space = symbols[0x20] ?? "";
  const letters = (from: string) =>
    Array.from({ length: 26 }, (_, index) => String.fromCharCode(from.charCodeAt(0) + index));
  const lower = letters("a");
  const firsts = [space, ...lower, ...letters("A")];
  const tokens = [...vocabulary.tokens];
  const tokenTypes = [...vocabulary.tokenTypes];
  const merges: string[] = [];
  const add = (left: string, right: string): boolean => {
    if (tokens.length >= size) return false;
    merges.push(`${left} ${right}`);
    tokens.push(left + right);
    tokenTypes.push(tokenTypeNormal);
    return true;
  };
  const pairs: string[] = [];
  for (const first of firsts) for (const second of lower) if (add(first, second)) pairs.push(first + second);
  for (const pair of pairs) for (const next of lower) add(pair, next);
  if (tokens.length !== size) {
    throw new RangeError(`a merged vocabulary holds ${vocabulary.tokens.length} to ${tokens.length} tokens`);
  }
  return { ...vocabulary, tokens, tokenTypes, merges };
}
