// The model router: every model any provider offers, by the id clients use, and each organisation's
// private (fine-tuned) models, which only that organisation can see or call (CTL-3, FT-3).
import { errors } from "../core/errors.ts";
import type { LanguageModel, Provider } from "./language-model.ts";
import { privateModelPrefix, type PrivateModelSource } from "./private-models.ts";

export class ModelRouter {
  readonly #providers: Provider[];
  readonly #models = new Map<string, LanguageModel>();
  /** Models still being prepared (the demo model's first build), with their progress from 0 to 1. */
  readonly #preparing = new Map<string, () => number>();
  /** Sources of organisation-private models, each serving the ids that start with its prefix. */
  readonly #private: Array<{ prefix: string; source: PrivateModelSource }> = [];
  #closed = false;

  constructor(providers: Provider[]) {
    this.#providers = [];
    for (const provider of providers) this.#add(provider);
  }

  #add(provider: Provider): void {
    for (const model of provider.models()) {
      if (this.#models.has(model.id)) throw new Error(`Model '${model.id}' is offered by two providers.`);
    }
    for (const model of provider.models()) this.#models.set(model.id, model);
    this.#providers.push(provider);
  }

  /** Announces a model that is being prepared; calls to it answer `model_not_ready` until it is served. */
  prepare(id: string, progress: () => number): void {
    this.#preparing.set(id, progress);
  }

  /** Ends a preparation: the provider serving it from now on, or null when it failed. */
  finishPreparing(id: string, provider: Provider | null): void {
    this.#preparing.delete(id);
    if (!provider) return;
    if (this.#closed) void provider.close();
    else this.#add(provider);
  }

  /** The models being prepared, with their progress (a number from 0 to 1). */
  preparing(): Array<{ id: string; progress: number }> {
    return [...this.#preparing].map(([id, progress]) => ({ id, progress: progress() }));
  }

  /** Adds a source of private models for the ids starting with `prefix`; called when the platform is wired. */
  usePrivateModels(source: PrivateModelSource, prefix = privateModelPrefix): void {
    this.#private.push({ prefix, source });
  }

  /** The installation's shared models (never private ones). */
  list(): LanguageModel[] {
    return [...this.#models.values()];
  }

  /** A shared model by id (never a private one: those need the caller's organisation, see `resolve`). */
  get(id: string): LanguageModel {
    const model = this.#models.get(id);
    if (!model) throw this.#preparing.has(id) ? errors.modelNotReady(id) : errors.modelNotFound(id);
    return model;
  }

  /** The shared models and the organisation's own private models. */
  async listFor(organizationId: string): Promise<LanguageModel[]> {
    const own = await Promise.all(this.#private.map(({ source }) => source.list(organizationId)));
    return [...this.list(), ...own.flat()];
  }

  /**
   * A model the organisation may call: a shared one, or one of its own private models. Another
   * organisation's private model answers exactly as a model that does not exist.
   */
  async resolve(id: string, organizationId: string): Promise<LanguageModel> {
    const shared = this.#models.get(id);
    if (shared) return shared;
    if (this.#preparing.has(id)) throw errors.modelNotReady(id);
    const source = this.#private.find(({ prefix }) => id.startsWith(prefix))?.source;
    const own = await source?.find(id, organizationId);
    if (own) return own;
    throw errors.modelNotFound(id);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#providers.map((provider) => provider.close()));
  }
}
