// The seam through which organisation-private models (fine-tuned ones) reach the model router: the
// inference layer owns this interface, the fine-tuning domain implements it.
import type { LanguageModel } from "./language-model.ts";

/** Ids of private models start with this; no public model may be reached through it by another organisation. */
export const privateModelPrefix = "ft:";

export interface PrivateModelSource {
  /** The organisation's own model with this id, or null: also when another organisation owns it. */
  find(id: string, organizationId: string): Promise<LanguageModel | null>;
  /** The organisation's own models. */
  list(organizationId: string): Promise<LanguageModel[]>;
}
