// The provider contract: small, versioned, dependency-free. A provider is a factory of models; a model
// generates a chat completion whole or as a stream of parts.

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  // Content parts and tool calls pass through untouched to providers that understand them.
  content: unknown;
  [field: string]: unknown;
}

/** An OpenAI chat completion request, validated at the edge; unknown fields are passed through. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string | string[];
  [field: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [field: string]: unknown;
}

export interface ChatChoice {
  index: number;
  message: { role: "assistant"; content: string | null; [field: string]: unknown };
  finish_reason: string | null;
  logprobs?: unknown;
}

export interface ChatResult {
  choices: ChatChoice[];
  usage: Usage | null;
  system_fingerprint?: string | null;
  /** An upstream's other top-level fields (`system_fingerprint`, `service_tier`, ...), answered as they came. */
  fields?: UpstreamFields;
}

/** Top-level fields of an upstream's answer or chunk other than id, object, created, model, choices, usage. */
export type UpstreamFields = Record<string, unknown>;

export type StreamPart =
  | {
      type: "delta";
      index: number;
      delta: { role?: "assistant"; content?: string | null; [field: string]: unknown };
      finishReason: string | null;
      logprobs?: unknown;
      /** The upstream's other top-level fields on the chunk this part came in, if it sent any. */
      fields?: UpstreamFields;
    }
  | { type: "usage"; usage: Usage };

export interface CallOptions {
  /** Aborted when the client goes away; the model must stop work and release the upstream. */
  signal: AbortSignal;
}

/** An OpenAI (legacy) text completion request, validated at the edge; unknown fields pass through. */
export interface TextCompletionRequest {
  model: string;
  prompt: string | string[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string | string[];
  [field: string]: unknown;
}

export interface TextCompletionChoice {
  index: number;
  text: string;
  finish_reason: string | null;
  logprobs?: unknown;
}

export interface TextCompletionResult {
  choices: TextCompletionChoice[];
  usage: Usage | null;
  system_fingerprint?: string | null;
  fields?: UpstreamFields;
}

export type TextStreamPart =
  | {
      type: "text";
      index: number;
      text: string;
      finishReason: string | null;
      logprobs?: unknown;
      fields?: UpstreamFields;
    }
  | { type: "usage"; usage: Usage };

/** An OpenAI embeddings request: one text or several (token arrays only where the backend takes them). */
export interface EmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  [field: string]: unknown;
}

export interface EmbeddingResult {
  /** One vector per input, in input order; base64 only when asked for and the backend sent it so. */
  data: Array<{ index: number; embedding: number[] | string }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface LanguageModel {
  readonly specificationVersion: "v1";
  /** The id clients use. */
  readonly id: string;
  readonly ownedBy: string;
  generate(request: ChatRequest, options: CallOptions): Promise<ChatResult>;
  stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart>;
  /** Text completion (/v1/completions), where the model offers it. */
  complete?(request: TextCompletionRequest, options: CallOptions): Promise<TextCompletionResult>;
  streamCompletion?(request: TextCompletionRequest, options: CallOptions): AsyncIterable<TextStreamPart>;
  /** Embeddings (/v1/embeddings), where the model offers them. */
  embed?(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResult>;
  /**
   * /v1/responses passed through, on an upstream with its own Responses API: the body as the server
   * takes it, its response object back (responses/responses-passthrough.ts makes both).
   */
  respond?(body: ResponsesBody, options: CallOptions): Promise<ResponsesBody>;
  /** The same, streamed: the server's typed events (`response.created`, ..., `response.completed`). */
  streamRespond?(body: ResponsesBody, options: CallOptions): AsyncIterable<ResponsesBody>;
  /**
   * "upstream" for an OpenAI-compatible model server, which gets every request field unchanged; absent
   * or "local" for a model served here, which refuses the fields it cannot honour (parameter-support.ts).
   */
  readonly backend?: "local" | "upstream";
  /** Facts shown in /v1/models under `custodian`, such as `{ demo: true }`. */
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

/** A /v1/responses request, response or event, as JSON: passed through, so not modelled field by field. */
export type ResponsesBody = Record<string, unknown>;

export interface Provider {
  readonly name: string;
  models(): LanguageModel[];
  close(): Promise<void>;
}
