// Moderation on request (POST /v1/moderations): the built-in classifier, or a configured model such as
// Llama Guard when the caller names it. Nothing is stored: the caller gets the metadata back.
import { errors } from "../core/errors.ts";
import type { LanguageModel } from "../inference/language-model.ts";
import { BuiltinClassifier } from "./builtin-classifier.ts";
import type { Classification, Classifier } from "./classifier.ts";
import { ModelClassifier, VerdictError } from "./model-classifier.ts";

/** The model name the built-in classifier answers to. */
export const builtinModerationModel = "custodian-moderation-builtin";

/**
 * OpenAI's moderation model names; clients written for OpenAI send these (the official ones by default),
 * so they are taken, and the built-in classifier answers them.
 */
const openAIModerationModels = new Set([
  "omni-moderation-latest",
  "omni-moderation-2024-09-26",
  "text-moderation-latest",
  "text-moderation-stable",
]);

/** What the service needs of the model router. */
export interface ModelLookup {
  get(id: string): LanguageModel;
}

export interface ModerationOutcome {
  /**
   * The model that classified the input: the configured model the client named, or the built-in's name
   * (for OpenAI's names too, which the built-in answers: reporting theirs would claim their model ran).
   */
  model: string;
  results: Classification[];
}

/** At most this many inputs per call, as OpenAI allows. */
const maxInputs = 32;

export class ModerationService {
  readonly #models: ModelLookup;
  readonly builtin = new BuiltinClassifier();

  constructor(dependencies: { models: ModelLookup }) {
    this.#models = dependencies.models;
  }

  #classifier(model: string | undefined): { name: string; classifier: Classifier } {
    if (model === undefined || model === builtinModerationModel || openAIModerationModels.has(model)) {
      return { name: builtinModerationModel, classifier: this.builtin };
    }
    // Throws model_not_found for a model no provider offers.
    return { name: model, classifier: new ModelClassifier(this.#models.get(model)) };
  }

  async moderate(inputs: string[], model?: string, signal?: AbortSignal): Promise<ModerationOutcome> {
    if (inputs.length === 0 || inputs.length > maxInputs) {
      throw errors.invalidRequest(`'input' must hold 1 to ${maxInputs} items.`, "input");
    }
    const { name, classifier } = this.#classifier(model);
    const results: Classification[] = [];
    for (const input of inputs) {
      try {
        results.push(await classifier.classify(input, signal ? { signal } : {}));
      } catch (error) {
        if (error instanceof VerdictError) throw errors.upstream(502, error.message, "moderation_verdict");
        throw error;
      }
    }
    return { model: name, results };
  }
}
