// The model registry: which GGUF files this installation serves in process, where they came from and
// their checksum. Models here are installation-wide (an operator pulled them), not tenant data.
import type { ColumnType } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import { errors } from "../core/errors.ts";
import type { Db } from "../db/database.ts";

export interface RegisteredModelsTable {
  id: string;
  path: string;
  /** What it was pulled from: "hf:owner/repo/file.gguf", an https URL, or "file". */
  source: string;
  sha256: string | null;
  size_bytes: number;
  created_at: ColumnType<Date, Date | undefined, never>;
}

declare module "../db/schema.ts" {
  interface Database {
    registered_models: RegisteredModelsTable;
  }
}

export interface RegisteredModel {
  id: string;
  path: string;
  source: string;
  sha256: string | null;
  sizeBytes: number;
  createdAt: Date;
}

export interface ModelRegistration {
  id: string;
  path: string;
  source: string;
  sha256: string | null;
  sizeBytes: number;
  actor: string;
}

const modelIdPattern = /^[a-zA-Z0-9_.:/-]{1,256}$/;

export class ModelRegistry {
  readonly #db: Db;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  /** Add a model, or point an existing id at a new file (a re-pull). */
  async register(registration: ModelRegistration): Promise<RegisteredModel> {
    if (!modelIdPattern.test(registration.id)) {
      throw errors.invalidRequest(
        "A model id is letters, digits, '.', '_', ':', '/' or '-' (at most 256).",
        "id",
      );
    }
    const row = await this.#db
      .insertInto("registered_models")
      .values({
        id: registration.id,
        path: registration.path,
        source: registration.source,
        sha256: registration.sha256,
        size_bytes: registration.sizeBytes,
      })
      .onConflict((conflict) =>
        conflict.column("id").doUpdateSet({
          path: registration.path,
          source: registration.source,
          sha256: registration.sha256,
          size_bytes: registration.sizeBytes,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.#audit.append({
      actor: registration.actor,
      action: "model.registered",
      target: registration.id,
      metadata: { sha256: registration.sha256, size_bytes: registration.sizeBytes },
    });
    return toModel(row);
  }

  async list(): Promise<RegisteredModel[]> {
    const rows = await this.#db.selectFrom("registered_models").selectAll().orderBy("id").execute();
    return rows.map(toModel);
  }

  async get(id: string): Promise<RegisteredModel> {
    const row = await this.#db
      .selectFrom("registered_models")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw errors.notFound("registered model", id);
    return toModel(row);
  }
}

function toModel(row: {
  id: string;
  path: string;
  source: string;
  sha256: string | null;
  size_bytes: number;
  created_at: Date;
}): RegisteredModel {
  return {
    id: row.id,
    path: row.path,
    source: row.source,
    sha256: row.sha256,
    sizeBytes: Number(row.size_bytes),
    createdAt: row.created_at,
  };
}
