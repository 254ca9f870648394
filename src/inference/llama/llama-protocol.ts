// The messages between the HTTP thread and the llama.cpp worker thread, and how an error crosses
// between them: a CustodianError keeps its status and codes, any other error only its class name.
import { CustodianError, type ErrorFacts } from "../../core/errors.ts";
import type { ChatMessage, EmbeddingRequest, Usage } from "../language-model.ts";
import type { OutputPlan } from "../output-plan.ts";

/** What the worker needs to load one model. */
export interface ModelSettings {
  id: string;
  path: string;
  threads: number;
  /** Sequences: requests that generate at once. */
  parallel: number;
  /** Tokens per sequence, at most the model's training context. */
  contextSize: number;
}

/** The fields of a chat or text completion request a local model reads; nothing else is copied across. */
export interface SamplingRequest {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  /** Token log probabilities, with this many alternatives per token (logprobs-request.ts); absent: none. */
  logprobs?: { top: number } | null;
}

/** One sampled token's log probability, its bytes (a token may be part of a character) and alternatives. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  /** The most likely tokens at this place, most likely first (as many as asked). */
  top: Array<Omit<TokenLogprob, "top">>;
}

/** A function call the model made: its arguments as the JSON text it wrote. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A streamed piece of a tool call: id and name with its first piece, then arguments fragments. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  arguments: string;
}

export interface Generated {
  text: string;
  /** The calls, when the answer is function calls (finish reason "tool_calls", or "length" if cut short). */
  toolCalls?: ToolCall[];
  finishReason: "stop" | "length" | "tool_calls";
  usage: Usage;
  /** The answer's tokens, when asked for and not streamed (streamed text carries its own). */
  logprobs?: TokenLogprob[];
}

export interface Embedded {
  data: Array<{ index: number; embedding: number[] }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Facts about a load, for the server's log (never content). */
export interface LoadFacts {
  gpu: string | false;
  gpuLayers: number;
  contextSize: number;
  ms: number;
}

/**
 * How many more requests for the same model the HTTP thread has right behind this one (admitted or
 * about to be, not yet sent): the worker starts their prompts together (start-burst.ts).
 */
export interface Burst {
  followers?: number;
}

export type Job =
  | { type: "load"; model: number; settings: ModelSettings }
  | ({
      type: "chat";
      model: number;
      request: SamplingRequest & { messages: ChatMessage[]; plan?: OutputPlan };
      stream: boolean;
    } & Burst)
  | ({ type: "complete"; model: number; request: SamplingRequest; prompt: string; stream: boolean } & Burst)
  | { type: "embed"; model: number; input: EmbeddingRequest["input"]; dimensions: number | null }
  | { type: "unload"; model: number };

export type ToWorker = { type: "job"; call: number; job: Job } | { type: "abort"; call: number };

export type WireError =
  | { kind: "custodian"; message: string; facts: ErrorFacts }
  | { kind: "other"; name: string; message: string };

export type FromWorker =
  | { type: "text"; call: number; text: string; logprobs?: TokenLogprob[] }
  | { type: "tool"; call: number; delta: ToolCallDelta }
  | { type: "done"; call: number; result: unknown }
  | { type: "failed"; call: number; error: WireError };

export function toWire(error: unknown): WireError {
  if (error instanceof CustodianError) {
    return {
      kind: "custodian",
      message: error.message,
      facts: {
        status: error.status,
        type: error.type,
        code: error.code,
        param: error.param,
        retryable: error.retryable,
        headers: { ...error.headers },
      },
    };
  }
  if (error instanceof Error) return { kind: "other", name: error.name, message: error.message };
  return { kind: "other", name: typeof error, message: "" };
}

export function fromWire(wire: WireError): Error {
  if (wire.kind === "custodian") return new CustodianError(wire.message, wire.facts);
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

/** OpenAI's answer to a prompt that does not fit the model's context. */
export function contextLengthExceeded(
  contextSize: number,
  promptTokens: number,
  param: string,
  atLeast = false,
): CustodianError {
  return new CustodianError(
    `This model's maximum context length is ${contextSize} tokens. However, your ${param} resulted in ${atLeast ? "at least " : ""}${promptTokens} tokens. Please reduce the length of the ${param}.`,
    { status: 400, type: "invalid_request_error", code: "context_length_exceeded", param },
  );
}
