// One fine-tuned model as a callable model: its sealed weights are decrypted only while loading, into a
// file readable only by this process's user that is removed as soon as llama.cpp has loaded it.
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Logger } from "pino";
import type { LlamaConfig } from "../config/config.ts";
import { errors } from "../core/errors.ts";
import type {
  CallOptions,
  ChatRequest,
  EmbeddingRequest,
  LanguageModel,
  TextCompletionRequest,
} from "../inference/language-model.ts";
import { LlamaLocalModel } from "../inference/llama/llama-model.ts";
import { privateTempDir, sweepLeftovers } from "./private-temp.ts";

/**
 * Why decrypt to a file at all: node-llama-cpp loads weights from a path only. The file lives in a
 * fresh 0700 directory with mode 0600 and is unlinked right after loading; the loaded weights stay
 * in this process's memory (llama.cpp either copied them or keeps a mapping of the unlinked file,
 * which no other process can open). Plaintext weights therefore touch the disk only for the time of
 * a load, and nothing is left behind after a crash of the load itself (the directory is removed in
 * `finally`).
 */
export class FineTunedModel implements LanguageModel {
  readonly specificationVersion = "v1";
  readonly id: string;
  readonly ownedBy: string;
  readonly metadata: Readonly<Record<string, string | number | boolean>>;
  readonly #decrypt: () => AsyncIterable<Buffer>;
  readonly #llama: LlamaConfig;
  readonly #logger: Logger;
  #loading: Promise<LlamaLocalModel> | null = null;

  constructor(options: {
    id: string;
    organizationId: string;
    baseModel: string;
    /** The decrypted weights, as a stream. */
    decrypt: () => AsyncIterable<Buffer>;
    llama: LlamaConfig;
    logger: Logger;
  }) {
    this.id = options.id;
    this.ownedBy = options.organizationId;
    this.metadata = { fine_tuned: true, base_model: options.baseModel };
    this.#decrypt = options.decrypt;
    this.#llama = options.llama;
    this.#logger = options.logger;
  }

  async #load(): Promise<LlamaLocalModel> {
    await sweepLeftovers().catch(() => undefined);
    const directory = await privateTempDir("ft");
    try {
      const file = path.join(directory, "model.gguf");
      await pipeline(Readable.from(this.#decrypt()), createWriteStream(file, { mode: 0o600 }));
      const model = new LlamaLocalModel({ id: this.id, path: file, ...this.#llama, logger: this.#logger });
      if (!(await model.ready())) {
        await model.close();
        throw errors.modelUnavailable(this.id);
      }
      return model;
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  #model(): Promise<LlamaLocalModel> {
    this.#loading ??= this.#load().catch((error: unknown) => {
      this.#loading = null; // The next request tries again.
      throw error;
    });
    return this.#loading;
  }

  async generate(request: ChatRequest, options: CallOptions) {
    return (await this.#model()).generate(request, options);
  }

  async *stream(request: ChatRequest, options: CallOptions) {
    yield* (await this.#model()).stream(request, options);
  }

  async complete(request: TextCompletionRequest, options: CallOptions) {
    return (await this.#model()).complete(request, options);
  }

  async *streamCompletion(request: TextCompletionRequest, options: CallOptions) {
    yield* (await this.#model()).streamCompletion(request, options);
  }

  async embed(request: EmbeddingRequest, options: CallOptions) {
    return (await this.#model()).embed(request, options);
  }

  /** Frees the loaded weights. */
  async close(): Promise<void> {
    const loading = this.#loading;
    this.#loading = null;
    const model = await loading?.catch(() => null);
    await model?.close();
  }
}
