// The model router: every model any provider offers, by the id clients use.
import { errors } from "../core/errors.ts";
import type { LanguageModel, Provider } from "./language-model.ts";

export class ModelRouter {
  readonly #providers: Provider[];
  readonly #models = new Map<string, LanguageModel>();

  constructor(providers: Provider[]) {
    this.#providers = providers;
    for (const provider of providers) {
      for (const model of provider.models()) {
        if (this.#models.has(model.id)) throw new Error(`Model '${model.id}' is offered by two providers.`);
        this.#models.set(model.id, model);
      }
    }
  }

  list(): LanguageModel[] {
    return [...this.#models.values()];
  }

  get(id: string): LanguageModel {
    const model = this.#models.get(id);
    if (!model) throw errors.modelNotFound(id);
    return model;
  }

  async close(): Promise<void> {
    await Promise.all(this.#providers.map((provider) => provider.close()));
  }
}
