// The in-process provider: every GGUF model from the configuration (CUSTODIAN_MODELS) and the model
// registry, served by llama.cpp through node-llama-cpp with no external server.
import type { Logger } from "pino";
import type { LlamaConfig, LocalModelConfig } from "../../config/config.ts";
import type { LanguageModel, Provider } from "../language-model.ts";
import { LlamaLocalModel } from "./llama-model.ts";

export interface LocalModelEntry extends LocalModelConfig {
  /** Facts for /v1/models, such as `{ demo: true }`. */
  metadata?: Readonly<Record<string, string | number | boolean>>;
}

export class LlamaProvider implements Provider {
  readonly name = "llama";
  readonly #models: LlamaLocalModel[];

  constructor(entries: LocalModelEntry[], options: { llama: LlamaConfig; logger: Logger }) {
    this.#models = entries.map(
      (entry) =>
        new LlamaLocalModel({
          id: entry.id,
          path: entry.path,
          ...options.llama,
          logger: options.logger,
          ...(entry.metadata ? { metadata: entry.metadata } : {}),
        }),
    );
  }

  models(): LanguageModel[] {
    return this.#models;
  }

  /** Resolves when every model has loaded or failed to; true when all loaded. */
  async ready(): Promise<boolean> {
    const results = await Promise.all(this.#models.map((model) => model.ready()));
    return results.every(Boolean);
  }

  async close(): Promise<void> {
    await Promise.all(this.#models.map((model) => model.close()));
  }
}
