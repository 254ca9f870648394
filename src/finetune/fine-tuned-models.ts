// The organisation-private fine-tuned models: weights sealed under their own data key in the blob store,
// listed and callable only by their organisation (the router's `PrivateModelSource`), deletable by it.
import { createReadStream } from "node:fs";
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";
import type { LlamaConfig } from "../config/config.ts";
import { errors } from "../core/errors.ts";
import type { Binding } from "../crypto/aead.ts";
import { newDataKey, openDataKey } from "../crypto/data-key.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { BlobStore } from "../files/blob-store.ts";
import { openChunks, sealChunks } from "../files/sealed-chunks.ts";
import type { LanguageModel } from "../inference/language-model.ts";
import type { PrivateModelSource } from "../inference/private-models.ts";
import { FineTunedModel } from "./fine-tuned-model.ts";
import type { Selectable } from "kysely";
import type { FineTunedModelsTable } from "./finetune-tables.ts";

const table = "fine_tuned_models";

function weightsBinding(id: string, organization: string): Binding {
  return { table: "fine_tuned_models.weights", row: id, organization };
}

/** Blob keys allow no ':' (model ids have several): the weights are stored under the job's id. */
function blobKey(jobId: string): string {
  return `models/${jobId}`;
}

export class FineTunedModels implements PrivateModelSource {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;
  readonly #blobs: BlobStore;
  readonly #llama: LlamaConfig;
  readonly #logger: Logger;
  /** Models this process has served, so their weights load once. */
  readonly #served = new Map<string, FineTunedModel>();

  constructor(dependencies: {
    db: Db;
    keyring: Keyring;
    audit: AuditLog;
    blobs: BlobStore;
    llama: LlamaConfig;
    logger: Logger;
  }) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#audit = dependencies.audit;
    this.#blobs = dependencies.blobs;
    this.#llama = dependencies.llama;
    this.#logger = dependencies.logger;
  }

  #scoped(organizationId: string) {
    return this.#db.selectFrom("fine_tuned_models").selectAll().where("organization_id", "=", organizationId);
  }

  /** Seals a trained GGUF file into the blob store and records the model; the caller removes the file. */
  async store(input: {
    id: string;
    organizationId: string;
    baseModel: string;
    jobId: string;
    weightsPath: string;
  }): Promise<void> {
    const { id, organizationId } = input;
    const dataKey = await newDataKey(this.#keyring, organizationId, { table, row: id });
    const key = blobKey(input.jobId);
    const weights = createReadStream(input.weightsPath) as AsyncIterable<Buffer>;
    const sealedBytes = await this.#blobs.write(
      key,
      sealChunks(dataKey.key, weightsBinding(id, organizationId), weights),
    );
    try {
      await this.#db
        .insertInto("fine_tuned_models")
        .values({
          id,
          organization_id: organizationId,
          base_model: input.baseModel,
          job_id: input.jobId,
          bytes: sealedBytes,
          wrapped_key: dataKey.wrapped,
          blob_key: key,
        })
        .execute();
    } catch (error) {
      await this.#blobs.delete(key);
      throw error;
    }
  }

  #model(row: Selectable<FineTunedModelsTable>): FineTunedModel {
    let model = this.#served.get(row.id);
    if (!model) {
      model = new FineTunedModel({
        id: row.id,
        organizationId: row.organization_id,
        baseModel: row.base_model,
        decrypt: () => this.#decrypt(row),
        llama: this.#llama,
        logger: this.#logger,
      });
      this.#served.set(row.id, model);
    }
    return model;
  }

  async *#decrypt(row: Selectable<FineTunedModelsTable>): AsyncGenerator<Buffer> {
    const key = await openDataKey(
      this.#keyring,
      row.organization_id,
      { table, row: row.id },
      row.wrapped_key,
    );
    yield* openChunks(key, weightsBinding(row.id, row.organization_id), this.#blobs.read(row.blob_key));
  }

  async find(id: string, organizationId: string): Promise<LanguageModel | null> {
    const row = await this.#scoped(organizationId).where("id", "=", id).executeTakeFirst();
    if (row) return this.#model(row);
    // Deleted (perhaps by another node): free what this process still holds of it.
    const stale = this.#served.get(id);
    if (stale && stale.ownedBy === organizationId) {
      this.#served.delete(id);
      await stale.close();
    }
    return null;
  }

  /** The decrypted weights of one of the organisation's models, as a stream (nothing on disk). */
  async *weights(id: string, organizationId: string): AsyncGenerator<Buffer> {
    const row = await this.#scoped(organizationId).where("id", "=", id).executeTakeFirst();
    if (!row) throw errors.modelNotFound(id);
    yield* this.#decrypt(row);
  }

  async list(organizationId: string): Promise<LanguageModel[]> {
    const rows = await this.#scoped(organizationId).orderBy("created_at").execute();
    return rows.map((row) => this.#model(row));
  }

  /** Removes the model, its key and its sealed weights; another organisation's model is not found. */
  async delete(organizationId: string, id: string, actor: string): Promise<void> {
    const row = await this.#db
      .deleteFrom("fine_tuned_models")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .returning(["blob_key", "bytes", "job_id"])
      .executeTakeFirst();
    if (!row) throw errors.modelNotFound(id);
    this.#keyring.destroyed(organizationId, [{ table: "fine_tuned_models", row: id }]);
    await this.#blobs.delete(row.blob_key);
    const served = this.#served.get(id);
    this.#served.delete(id);
    await served?.close();
    await this.#audit.append({
      actor,
      action: "fine_tuned_model.deleted",
      target: id,
      organizationId,
      metadata: { job: row.job_id, bytes: Number(row.bytes) },
    });
  }

  async close(): Promise<void> {
    const models = [...this.#served.values()];
    this.#served.clear();
    await Promise.all(models.map((model) => model.close()));
  }
}
