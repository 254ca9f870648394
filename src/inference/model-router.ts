// The model router: every model any provider offers, by the id clients use, and each organisation's
// private (fine-tuned) models, which only that organisation can see or call (CTL-3, FT-3).
import { errors } from "../core/errors.ts";
import type { LanguageModel, Provider } from "./language-model.ts";
import { privateModelPrefix, type PrivateModelSource } from "./private-models.ts";

export class ModelRouter {
  readonly #providers: Provider[];
  readonly #models = new Map<string, LanguageModel>();
  #private: PrivateModelSource | null = null;

  constructor(providers: Provider[]) {
    this.#providers = providers;
    for (const provider of providers) {
      for (const model of provider.models()) {
        if (this.#models.has(model.id)) throw new Error(`Model '${model.id}' is offered by two providers.`);
        this.#models.set(model.id, model);
      }
    }
  }

  /** Adds the private models; set once, when the platform is wired. */
  usePrivateModels(source: PrivateModelSource): void {
    this.#private = source;
  }

  /** The installation's shared models (never private ones). */
  list(): LanguageModel[] {
    return [...this.#models.values()];
  }

  /** A shared model by id (never a private one: those need the caller's organisation, see `resolve`). */
  get(id: string): LanguageModel {
    const model = this.#models.get(id);
    if (!model) throw errors.modelNotFound(id);
    return model;
  }

  /** The shared models and the organisation's own private models. */
  async listFor(organizationId: string): Promise<LanguageModel[]> {
    return [...this.list(), ...((await this.#private?.list(organizationId)) ?? [])];
  }

  /**
   * A model the organisation may call: a shared one, or one of its own private models. Another
   * organisation's private model answers exactly as a model that does not exist.
   */
  async resolve(id: string, organizationId: string): Promise<LanguageModel> {
    const shared = this.#models.get(id);
    if (shared) return shared;
    if (this.#private && id.startsWith(privateModelPrefix)) {
      const own = await this.#private.find(id, organizationId);
      if (own) return own;
    }
    throw errors.modelNotFound(id);
  }

  async close(): Promise<void> {
    await Promise.all(this.#providers.map((provider) => provider.close()));
  }
}
