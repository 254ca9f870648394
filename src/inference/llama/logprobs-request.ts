// `logprobs` and `top_logprobs` on a local model, on the HTTP thread: what a request asks for (a 400
// naming the field for a value OpenAI would refuse, or a combination a local model cannot honour), and
// the worker's token log probabilities in OpenAI's shapes: chat's `{ content: [...] }` and legacy
// completions' `{ tokens, token_logprobs, top_logprobs, text_offset }`.
import { errors } from "../../core/errors.ts";
import type { OutputPlan } from "../output-plan.ts";
import type { TokenLogprob } from "./llama-protocol.ts";

export interface LogprobsAsk {
  /** Alternatives per token. */
  top: number;
}

/** OpenAI's bounds: chat lists up to 20 alternatives per token, legacy completions up to 5. */
const maxChatTop = 20;
const maxCompletionTop = 5;

const isCount = (value: unknown, max: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;

/**
 * Chat: `logprobs: true`, with `top_logprobs` 0 to 20 alternatives. Not under a grammar (json
 * response_format, tools): there the sampler draws from candidates the grammar may or may not have
 * cut, so the figures would not be the model's; that is a 400 naming `logprobs`.
 */
export function chatLogprobs(request: Record<string, unknown>, plan: OutputPlan): LogprobsAsk | null {
  const { logprobs, top_logprobs: top } = request;
  if (logprobs != null && typeof logprobs !== "boolean")
    throw errors.invalidRequest("'logprobs' must be a boolean.", "logprobs");
  if (top != null && !isCount(top, maxChatTop))
    throw errors.invalidRequest(`'top_logprobs' must be an integer from 0 to ${maxChatTop}.`, "top_logprobs");
  if (logprobs !== true) {
    if (top != null && top > 0)
      throw errors.invalidRequest("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
    return null;
  }
  if (plan.type !== "text") {
    const with_ = plan.type === "json" ? "'response_format' (JSON)" : "'tools'";
    throw errors.invalidRequest(
      `'logprobs' cannot be combined with ${with_} on a local model: its answer is sampled under a grammar, whose probabilities are not the model's.`,
      "logprobs",
    );
  }
  return { top: top ?? 0 };
}

/** Legacy completions: `logprobs: N`, the chosen tokens' and N alternatives' (0 to 5). */
export function completionLogprobs(request: Record<string, unknown>): LogprobsAsk | null {
  const { logprobs } = request;
  if (logprobs == null) return null;
  if (!isCount(logprobs, maxCompletionTop))
    throw errors.invalidRequest(`'logprobs' must be an integer from 0 to ${maxCompletionTop}.`, "logprobs");
  if (request.echo === true)
    throw errors.invalidRequest(
      "'echo' with 'logprobs' is not offered on local models: the prompt's tokens are not scored.",
      "echo",
    );
  return { top: logprobs };
}

/** Chat's `choices[].logprobs` (whole or of one streamed chunk). */
export function chatShape(tokens: readonly TokenLogprob[]) {
  return {
    content: tokens.map(({ token, logprob, bytes, top }) => ({
      token,
      logprob,
      bytes,
      top_logprobs: top.map((alternative) => ({ ...alternative })),
    })),
    refusal: null,
  };
}

/**
 * Legacy completions' `choices[].logprobs`. `text_offset` counts characters (UTF-16 code units, as a
 * JavaScript string does) from the start of the prompt, as OpenAI's do; `offset` is where these tokens
 * start: the prompt's length, then after each streamed chunk the text sent so far.
 */
export class CompletionLogprobs {
  #offset: number;
  readonly #decoder = new TextDecoder("utf-8");

  constructor(prompt: string) {
    this.#offset = prompt.length;
  }

  shape(tokens: readonly TokenLogprob[]) {
    const text_offset: number[] = [];
    for (const { bytes } of tokens) {
      text_offset.push(this.#offset);
      // A token that ends inside a character adds nothing until the character completes.
      this.#offset += this.#decoder.decode(Uint8Array.from(bytes), { stream: true }).length;
    }
    return {
      tokens: tokens.map((entry) => entry.token),
      token_logprobs: tokens.map((entry) => entry.logprob),
      top_logprobs: tokens.map((entry) =>
        Object.fromEntries(entry.top.map((alternative) => [alternative.token, alternative.logprob])),
      ),
      text_offset,
    };
  }
}
