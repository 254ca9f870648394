// Which model embeds an organisation's new document collections (issue 20): the organisation's own choice
// (set by an admin), else the installation's default (CUSTODIAN_EMBEDDING_MODEL), else none (keyword
// search only). A choice is checked before it is saved: the model must exist for the organisation and
// answer an embeddings call (a fixed probe sentence, never anyone's text). Collections keep the model
// they were made with; a change applies to collections made after it.
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";
import { CustodianError, errors } from "../core/errors.ts";
import type { Db } from "../db/database.ts";
import type { LanguageModel } from "../inference/language-model.ts";
import type { ExportSection } from "../privacy/export-organization.ts";
import type { Embedder } from "./library/passage-embedder.ts";
import "./document-settings-table.ts";

/** What the choice needs of the model router. */
export interface EmbeddingModels {
  listFor(organizationId: string): Promise<LanguageModel[]>;
}

/** Where the model in force comes from. */
export type EmbeddingModelSource = "organization" | "installation" | "none";

export interface EmbeddingModelState {
  /** The model new collections use; null: keyword search only. */
  model: string | null;
  source: EmbeddingModelSource;
  /** The organisation's own choice: a model id, null for keyword only, undefined when it has none. */
  chosen: string | null | undefined;
  installationDefault: string | null;
  /** Models the organisation may choose: those that offer embeddings. */
  choices: string[];
}

/** The probe sent to a model before it is chosen: a fixed sentence, no business content. */
const probeText = "Custodian checks that this model gives embeddings.";
/** How long the probe may take before the model is refused: a hanging server must not hold the admin. */
const probeTimeoutMs = 30_000;

export class EmbeddingModelChoice {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #models: EmbeddingModels;
  readonly #embed: Embedder;
  readonly #installationDefault: string | null;

  constructor(dependencies: {
    db: Db;
    audit: AuditLog;
    models: EmbeddingModels;
    embed: Embedder;
    installationDefault: string | null;
  }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#models = dependencies.models;
    this.#embed = dependencies.embed;
    this.#installationDefault = dependencies.installationDefault;
  }

  async #chosen(organizationId: string): Promise<string | null | undefined> {
    const row = await this.#db
      .selectFrom("document_settings")
      .select("embedding_model")
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    return row ? row.embedding_model : undefined;
  }

  /**
   * Says in the log, at start, when the installation's default names no model served here: uploads
   * would then fail on it (as model_not_found) until it is served or the setting is changed.
   */
  warnIfUnserved(
    served: { list(): LanguageModel[]; preparing(): Array<{ id: string }> },
    logger: Logger,
  ): void {
    const model = this.#installationDefault;
    if (model === null) return;
    const known = [...served.list().map((item) => item.id), ...served.preparing().map((item) => item.id)];
    if (!known.includes(model))
      logger.warn(
        { setting: "CUSTODIAN_EMBEDDING_MODEL", model },
        "the default embedding model is not served",
      );
  }

  /** The model an organisation's new collections use (the library's default); null: keywords only. */
  async forOrganization(organizationId: string): Promise<string | null> {
    const chosen = await this.#chosen(organizationId);
    return chosen === undefined ? this.#installationDefault : chosen;
  }

  async #choices(organizationId: string): Promise<string[]> {
    const models = await this.#models.listFor(organizationId);
    return models.filter((model) => typeof model.embed === "function").map((model) => model.id);
  }

  async state(organizationId: string): Promise<EmbeddingModelState> {
    const chosen = await this.#chosen(organizationId);
    const model = chosen === undefined ? this.#installationDefault : chosen;
    const source: EmbeddingModelSource =
      model === null ? "none" : chosen === undefined ? "installation" : "organization";
    return {
      model,
      source,
      chosen,
      installationDefault: this.#installationDefault,
      choices: await this.#choices(organizationId),
    };
  }

  /**
   * Choose a model (null: keyword search only) or, with `undefined`, go back to the installation's
   * default. A model that does not exist or gives no embeddings is refused (400) and nothing is saved.
   */
  async set(organizationId: string, model: string | null | undefined, actor: string): Promise<void> {
    if (typeof model === "string") await this.#check(organizationId, model);
    if (model === undefined) {
      await this.#db.deleteFrom("document_settings").where("organization_id", "=", organizationId).execute();
    } else {
      const values = { organization_id: organizationId, embedding_model: model, updated_at: new Date() };
      await this.#db
        .insertInto("document_settings")
        .values(values)
        .onConflict((conflict) =>
          conflict
            .column("organization_id")
            .doUpdateSet({ embedding_model: model, updated_at: values.updated_at }),
        )
        .execute();
    }
    await this.#audit.append({
      actor,
      action: "documents.embedding_model.changed",
      target: organizationId,
      organizationId,
      metadata: {
        model: model ?? "",
        source: model === undefined ? "installation" : model === null ? "none" : "organization",
      },
    });
  }

  async #check(organizationId: string, model: string): Promise<void> {
    if (!(await this.#choices(organizationId)).includes(model)) {
      throw errors.invalidRequest(
        `The model '${model}' does not exist or gives no embeddings; choose one of the models listed.`,
        "model",
        "model_cannot_embed",
      );
    }
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), probeTimeoutMs);
      });
      const vectors = await Promise.race([this.#embed(organizationId, model, [probeText]), timeout]).finally(
        () => clearTimeout(timer),
      );
      if (vectors.length !== 1 || vectors[0]!.length === 0) throw new Error("no vector");
    } catch (error) {
      // The model's own failure is not repeated: it may come from a server outside.
      throw errors.invalidRequest(
        `The model '${model}' did not give embeddings when asked${error instanceof CustodianError ? ` (${error.code})` : ""}.`,
        "model",
        "model_cannot_embed",
      );
    }
  }

  /** The organisation's choice in its export's settings (OWN-2): absent when it has none of its own. */
  exportSection(): ExportSection {
    return {
      name: "embedding_model",
      place: "settings",
      records: async (organizationId) => {
        const chosen = await this.#chosen(organizationId);
        return chosen === undefined ? [] : [{ model: chosen }];
      },
    };
  }
}
