// How a local model counts a request's tokens: the answer's from the sequence's token meter, and the
// prompt's without tokenising the prompt twice. node-llama-cpp renders and tokenises the prompt itself
// when it generates; the engine tokenises it beforehand only when it must know the count first: when
// the prompt may not fit the context, when a context shift could happen during the answer, or when the
// answer's room depends on the prompt (grammars, tools). Otherwise the count is read from the
// sequence's token meter after generation.
import type {
  ChatHistoryItem,
  LlamaContextSequence,
  LlamaModel,
  LlamaTextValue,
  TokenMeterState,
} from "node-llama-cpp";
import type { Usage } from "../language-model.ts";

/** The meter can count one sampled token past the limit (it is dropped); the client asked for at most the limit. */
export function generatedTokens(
  sequence: LlamaContextSequence,
  before: TokenMeterState,
  maxTokens: number,
): number {
  return Math.min(sequence.tokenMeter.diff(before).usedOutputTokens, maxTokens);
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/**
 * At most how many tokens a rendered prompt becomes. A token covers at least one byte of the text it
 * comes from; each piece may gain one more (a tokenizer's leading-space marker or beginning-of-text
 * token); a special token is one token, its name at least one byte.
 */
export function tokenBound(values: readonly LlamaTextValue[]): number {
  let bound = 0;
  for (const value of values)
    bound += Buffer.byteLength(typeof value === "string" ? value : value.value, "utf8") + 1;
  return bound;
}

export interface PromptCountInput {
  /** `tokenBound` of the prompt. */
  bound: number;
  /** The answer's token limit as the request gives it (max_completion_tokens or max_tokens), if any. */
  limit: number | null | undefined;
  /** The answer must fit beside the prompt (grammar, tools): its room is the context less the prompt. */
  capped: boolean;
  contextSize: number;
}

/**
 * True when the prompt's count may be read from the sequence after generation: the prompt surely fits
 * and the prompt and the whole answer together surely fit the context, so nothing is shifted out and
 * evaluated again (which the meter would count as more input).
 */
export function countAfterGeneration({ bound, limit, capped, contextSize }: PromptCountInput): boolean {
  return !capped && limit != null && bound + limit <= contextSize;
}

/**
 * The prompt tokens of one generation on a cleared sequence, from its token meter: node-llama-cpp counts
 * the prompt's last token as output (its logits are read to sample the first answer token), and every
 * other prompt token as input.
 */
export function promptTokensEvaluated(used: TokenMeterState): number {
  return used.usedInputTokens + 1;
}

/** The text a history item carries: what the client sent, before the template adds its own. */
export function historyText(item: ChatHistoryItem): string {
  if (item.type === "model") return item.response.filter((part) => typeof part === "string").join("");
  return typeof item.text === "string" ? item.text : "";
}

/** The longest token's text in UTF-8 bytes: no token covers more bytes of a prompt (null if unknown). */
export function maxTokenBytes(model: LlamaModel): number | null {
  // node-llama-cpp reads the whole GGUF header, the vocabulary included, when it loads a model.
  const metadata = model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: unknown } } };
  const tokens = metadata.tokenizer?.ggml?.tokens;
  if (!Array.isArray(tokens) || tokens.length === 0) return null;
  let longest = 1;
  for (const token of tokens) {
    // A vocabulary writes bytes as characters of at least one byte each (byte-level BPE's "Ġ",
    // SentencePiece's "▁" or "<0x0A>"), so its text is never shorter than the bytes it covers.
    if (typeof token === "string") longest = Math.max(longest, Buffer.byteLength(token, "utf8"));
  }
  return longest;
}
