// The provider for any OpenAI-compatible model server (vLLM, llama-server, Ollama, ...): forwards over
// keep-alive HTTP with undici, maps model names, times out, cancels with the client, maps errors.
import { readFileSync } from "node:fs";
import { Agent, request as undiciRequest } from "undici";
import type { UpstreamConfig } from "../config/config.ts";
import { errors } from "../core/errors.ts";
import type {
  CallOptions,
  ChatRequest,
  ChatResult,
  EmbeddingResult,
  LanguageModel,
  Provider,
  TextCompletionRequest,
  TextCompletionResult,
  ResponsesBody,
} from "./language-model.ts";
import { mapTransportError, upstreamError } from "./upstream-errors.ts";
import {
  chatParts,
  parseChunk,
  textParts,
  upstreamFields,
  UpstreamParts,
  upstreamPayloads,
} from "./upstream-stream.ts";

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
      stream: (request, options) =>
        new UpstreamParts(
          async () => {
            const streamed = { ...request, stream_options: { include_usage: true } } as ChatRequest;
            return (await post(streamed, true, options)).body;
          },
          name,
          options.signal,
          chatParts,
        ),
      complete: (request, options) => answer<TextCompletionResult>("/completions", request, options),
      streamCompletion: (request, options) =>
        new UpstreamParts(
          async () => {
            const streamed = { ...request, stream: true, stream_options: { include_usage: true } };
            return (await postTo("/completions", streamed, options)).body;
          },
          name,
          options.signal,
          textParts,
        ),
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
          for await (const payloads of upstreamPayloads(response.body, name, options.signal)) {
            for (const payload of payloads) {
              const event = parseChunk(payload, name) as ResponsesBody;
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
