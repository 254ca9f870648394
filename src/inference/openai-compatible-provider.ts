// The provider for any OpenAI-compatible model server (vLLM, llama-server, Ollama, ...): forwards over
// keep-alive HTTP with undici, maps model names, times out, cancels with the client, maps errors.
import { readFileSync } from "node:fs";
import { Agent, errors as undiciErrors, request as undiciRequest, type Dispatcher } from "undici";
import type { UpstreamConfig } from "../config/config.ts";
import { CustodianError, errors } from "../core/errors.ts";
import type {
  CallOptions,
  ChatRequest,
  ChatResult,
  EmbeddingResult,
  LanguageModel,
  Provider,
  StreamPart,
  TextCompletionRequest,
  TextCompletionResult,
  ResponsesBody,
  TextStreamPart,
  UpstreamFields,
} from "./language-model.ts";
import { ServerSentDataParser } from "./sse.ts";

interface UpstreamChunk {
  choices?: Array<{
    index?: number;
    delta?: Record<string, unknown>;
    /** Text completions (/v1/completions) carry text where chat carries a delta. */
    text?: unknown;
    finish_reason?: string | null;
    logprobs?: unknown;
  }>;
  usage?: ChatResult["usage"];
  system_fingerprint?: string | null;
  error?: { message?: string };
}

export class OpenAICompatibleProvider implements Provider {
  readonly name: string;
  readonly #config: UpstreamConfig;
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #models: LanguageModel[];

  constructor(config: UpstreamConfig, options: { timeoutMs: number }) {
    this.name = config.name;
    this.#config = config;
    this.#timeoutMs = options.timeoutMs;
    this.#agent = new Agent({
      connections: 128,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      // SEC-2: certificates are always verified; a private CA is trusted only when configured.
      connect: {
        minVersion: "TLSv1.2",
        ...(config.caFile ? { ca: readFileSync(config.caFile, "utf8") } : {}),
      },
    });
    this.#models = config.models.map((model) => this.#model(model.id, model.upstreamId));
  }

  models(): LanguageModel[] {
    return this.#models;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #model(id: string, upstreamId: string): LanguageModel {
    // Arrow functions keep `this` bound to the provider for the object literal's methods.
    const post = (request: ChatRequest, stream: boolean, options: CallOptions) =>
      this.#post({ ...request, model: upstreamId, stream }, options);
    const postTo = (path: string, body: Record<string, unknown>, options: CallOptions) =>
      this.#post({ ...body, model: upstreamId }, options, path);
    const name = this.name;
    /** One non-streamed answer: its choices must be there; usage and the other fields come back as sent. */
    async function answer<Result extends ChatResult | TextCompletionResult>(
      path: string,
      request: ChatRequest | TextCompletionRequest,
      options: CallOptions,
    ): Promise<Pick<Result, "choices" | "usage" | "fields">> {
      const { stream: _stream, stream_options: _streamOptions, ...rest } = request;
      const response = await postTo(path, { ...rest, stream: false }, options);
      const body = (await response.body.json()) as Partial<Result>;
      if (!Array.isArray(body.choices)) {
        throw errors.upstream(502, `The model server '${name}' returned a malformed response.`);
      }
      const fields = upstreamFields(body);
      return { choices: body.choices, usage: body.usage ?? null, ...(fields && { fields }) };
    }
    return {
      specificationVersion: "v1",
      id,
      ownedBy: name,
      backend: "upstream",
      generate: (request, options) => answer<ChatResult>("/chat/completions", request, options),
      async *stream(request, options) {
        const response = await post(
          { ...request, stream_options: { include_usage: true } } as ChatRequest,
          true,
          options,
        );
        yield* upstreamParts(
          response.body,
          name,
          options.signal,
          (choice): Extract<StreamPart, { type: "delta" }> => ({
            type: "delta",
            index: choice.index ?? 0,
            delta: choice.delta ?? {},
            finishReason: choice.finish_reason ?? null,
          }),
        );
      },
      complete: (request, options) => answer<TextCompletionResult>("/completions", request, options),
      async *streamCompletion(request, options) {
        const response = await postTo(
          "/completions",
          { ...request, stream: true, stream_options: { include_usage: true } },
          options,
        );
        yield* upstreamParts(
          response.body,
          name,
          options.signal,
          (choice): Extract<TextStreamPart, { type: "text" }> => ({
            type: "text",
            index: choice.index ?? 0,
            text: typeof choice.text === "string" ? choice.text : "",
            finishReason: choice.finish_reason ?? null,
          }),
        );
      },
      ...(this.#config.responsesApi === true && {
        async respond(body: ResponsesBody, options: CallOptions): Promise<ResponsesBody> {
          const response = await postTo("/responses", { ...body, stream: false }, options);
          const answer = (await response.body.json()) as ResponsesBody | null;
          if (typeof answer !== "object" || answer === null || !Array.isArray(answer.output)) {
            throw errors.upstream(502, `The model server '${name}' returned a malformed response.`);
          }
          return answer;
        },
        async *streamRespond(body: ResponsesBody, options: CallOptions): AsyncIterable<ResponsesBody> {
          const response = await postTo("/responses", { ...body, stream: true }, options);
          for await (const events of upstreamChunkBatches(response.body, name, options.signal)) {
            for (const event of events as ResponsesBody[]) {
              if (event.type === "error")
                throw errors.upstream(502, `The model server '${name}' failed mid-stream.`);
              yield event;
            }
          }
        },
      }),
      async embed(request, options) {
        const response = await postTo("/embeddings", request, options);
        const body = (await response.body.json()) as Partial<EmbeddingResult>;
        if (!Array.isArray(body.data)) {
          throw errors.upstream(502, `The model server '${name}' returned a malformed response.`);
        }
        return {
          data: body.data.map((item, index) => ({
            index: typeof item.index === "number" ? item.index : index,
            embedding: item.embedding,
          })),
          usage: body.usage ?? { prompt_tokens: 0, total_tokens: 0 },
        };
      },
    };
  }

  async #post(body: Record<string, unknown>, options: CallOptions, path = "/chat/completions") {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    if (this.#config.apiKey) headers.authorization = `Bearer ${this.#config.apiKey}`;
    let response;
    try {
      response = await undiciRequest(`${this.#config.baseURL}${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        dispatcher: this.#agent,
        signal: options.signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
    } catch (error) {
      throw mapTransportError(error, this.name, options.signal);
    }
    if (response.statusCode >= 400) {
      const text = await response.body.text().catch(() => "");
      throw upstreamError(this.name, response.statusCode, text);
    }
    return response;
  }
}

type UpstreamChoice = NonNullable<UpstreamChunk["choices"]>[number];

/**
 * What an upstream sent beyond the envelope we answer with (our id, object, created and the model
 * name the client asked for) and the choices and usage read apart: `system_fingerprint`,
 * `service_tier` and whatever fields it adds later, passed back unchanged. Undefined when none.
 */
function upstreamFields(body: object): UpstreamFields | undefined {
  let fields: UpstreamFields | undefined;
  for (const [name, value] of Object.entries(body)) {
    if (envelopeFields.has(name) || value === undefined) continue;
    (fields ??= {})[name] = value;
  }
  return fields;
}

const envelopeFields = new Set(["id", "object", "created", "model", "choices", "usage"]);

/**
 * The parts of an upstream stream: one per choice of each chunk (made by `toPart`, with the choice's
 * logprobs when it has them), then the usage when a chunk carries it. Chat and text completions
 * differ only in `toPart`.
 */
async function* upstreamParts<Part extends { logprobs?: unknown; fields?: UpstreamFields }>(
  body: Dispatcher.ResponseData["body"],
  name: string,
  signal: AbortSignal,
  toPart: (choice: UpstreamChoice) => Part,
): AsyncIterable<Part | { type: "usage"; usage: NonNullable<UpstreamChunk["usage"]> }> {
  for await (const chunks of upstreamChunkBatches(body, name, signal)) {
    for (const chunk of chunks) {
      const fields = upstreamFields(chunk);
      for (const choice of chunk.choices ?? []) {
        const part = toPart(choice);
        if (choice.logprobs !== undefined) part.logprobs = choice.logprobs;
        if (fields) part.fields = fields;
        yield part;
      }
      if (chunk.usage) yield { type: "usage", usage: chunk.usage };
    }
  }
}

/**
 * The JSON chunks of an upstream event stream until [DONE], as many at a time as one network read
 * carries (a fast upstream sends dozens per read: one await per read, not per chunk). The upstream
 * stops when we stop reading. A malformed or failed event ends the stream with an error after the
 * chunks before it, so the client still gets everything that was good.
 */
async function* upstreamChunkBatches(
  body: Dispatcher.ResponseData["body"],
  name: string,
  signal: AbortSignal,
): AsyncIterable<UpstreamChunk[]> {
  const parser = new ServerSentDataParser();
  let finished = false;
  try {
    // Leaving the loop at [DONE] must not destroy the body: undici would build an abort error and
    // close the connection instead of keeping it for the next request (see the finally below).
    for await (const bytes of body.iterator({ destroyOnReturn: false })) {
      const batch = parseChunks(parser.push(bytes as Uint8Array), name);
      if (batch.chunks.length > 0) yield batch.chunks;
      if (batch.failure) throw batch.failure;
      if (batch.done) {
        finished = true;
        return;
      }
    }
    finished = true;
    const batch = parseChunks(parser.end(), name);
    if (batch.chunks.length > 0) yield batch.chunks;
    if (batch.failure) throw batch.failure;
  } catch (error) {
    throw mapTransportError(error, name, signal);
  } finally {
    if (body.destroyed) {
      // Already ended and released.
    } else if (finished) {
      // After [DONE] the rest (usually just the end of the body) is read in the background, so the
      // connection goes back to the pool; an upstream that never ends is cut by undici's body timeout.
      body.dump({ limit: Number.MAX_SAFE_INTEGER }).catch(() => undefined);
    } else {
      // Stops the upstream generating when we stop reading (client gone, or an error). Nothing reads
      // the body any more, so the abort error undici reports on it is expected and dropped.
      body.on("error", () => undefined);
      body.destroy();
    }
  }
}

/** Parses event payloads up to [DONE] or the first bad one; never names the payload in the error. */
function parseChunks(
  payloads: string[],
  name: string,
): { chunks: UpstreamChunk[]; done: boolean; failure: CustodianError | null } {
  const chunks: UpstreamChunk[] = [];
  for (const data of payloads) {
    if (data === "[DONE]") return { chunks, done: true, failure: null };
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      chunk = null;
    }
    if (!isUpstreamChunk(chunk)) {
      const failure = errors.upstream(502, `The model server '${name}' sent a malformed stream.`);
      return { chunks, done: false, failure };
    }
    if (chunk.error) {
      const failure = errors.upstream(502, `The model server '${name}' failed mid-stream.`);
      return { chunks, done: false, failure };
    }
    chunks.push(chunk);
  }
  return { chunks, done: false, failure: null };
}

/** An object whose choices, if any, are objects: what the stream code can read without a TypeError. */
function isUpstreamChunk(value: unknown): value is UpstreamChunk {
  if (typeof value !== "object" || value === null) return false;
  const choices = (value as { choices?: unknown }).choices;
  if (choices === undefined) return true;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) if (typeof choice !== "object" || choice === null) return false;
  return true;
}

/** Turn a failed upstream exchange into an OpenAI-shaped error that names the server, not the data. */
function upstreamError(name: string, status: number, text: string): CustodianError {
  let message: string | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const candidate =
      typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof candidate === "string") message = candidate.slice(0, 500);
  } catch {
    // Not JSON: fall back to a generic message below.
  }
  if (status === 429) return errors.upstream(429, message ?? `The model server '${name}' is rate limiting.`);
  if (status >= 500) return errors.upstream(502, `The model server '${name}' failed (status ${status}).`);
  if (status === 401 || status === 403) {
    // The upstream refused *our* credentials: the caller can do nothing about it.
    return errors.upstream(
      502,
      `The model server '${name}' refused Custodian's credentials (status ${status}).`,
    );
  }
  if (status === 404)
    return errors.upstream(502, `The model server '${name}' does not serve the mapped model.`);
  // 400 and other client errors: the upstream's own words help the caller fix the request.
  return errors.upstream(
    400,
    message ?? `The model server '${name}' rejected the request (status ${status}).`,
  );
}

function mapTransportError(error: unknown, name: string, signal: AbortSignal): unknown {
  if (error instanceof CustodianError) return error;
  if (signal.aborted) return error;
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return errors.upstreamTimeout(name);
  }
  if (isCertificateError(error)) return errors.upstreamTls(name);
  return errors.upstreamUnreachable(name);
}

/** OpenSSL's verification failures, as Node names them (self-signed, unknown issuer, expired, wrong host). */
function isCertificateError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      /CERT|SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID/.test(code)
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
