// HIPAA mode (SEC-5): an organisation flag that forces zero data retention on every project (through
// the privacy settings) and admits /v1 requests only to model backends marked `baa: true`.
import type { AuditLog } from "../audit/audit-log.ts";
import type { Config } from "../config/config.ts";
import { ExpiringCache } from "../core/expiring-cache.ts";
import type { Db } from "../db/database.ts";
import type { AdmissionRequest, RequestPolicy } from "../inference/completion-hooks.ts";
import type { PrivacySettingsService } from "./privacy-settings-service.ts";
import { oversightErrors } from "./staff-errors.ts";
import "./staff-tables.ts";

/** Other nodes see a change within this long; this node at once. */
const cacheMs = 5_000;

/** The model ids whose backends the configuration marks as covered by a business associate agreement. */
export function coveredModelIds(config: Pick<Config, "upstreams" | "models">): Set<string> {
  return new Set([
    ...config.upstreams
      .filter((upstream) => upstream.baa === true)
      .flatMap((upstream) => upstream.models.map((model) => model.id)),
    ...config.models.filter((model) => model.baa === true).map((model) => model.id),
  ]);
}

export class HipaaMode implements RequestPolicy {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #settings: PrivacySettingsService;
  readonly #covered: ReadonlySet<string>;
  readonly #cache = new ExpiringCache<boolean>(cacheMs);

  constructor(dependencies: {
    db: Db;
    audit: AuditLog;
    settings: PrivacySettingsService;
    coveredModels: ReadonlySet<string>;
  }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#settings = dependencies.settings;
    this.#covered = dependencies.coveredModels;
    this.#settings.forceZdrWhen((organizationId) => this.enabled(organizationId));
  }

  get coveredModels(): ReadonlySet<string> {
    return this.#covered;
  }

  async enabled(organizationId: string): Promise<boolean> {
    return this.#cache.get(organizationId, async () => {
      const row = await this.#db
        .selectFrom("hipaa_settings")
        .select("enabled")
        .where("organization_id", "=", organizationId)
        .executeTakeFirst();
      return row?.enabled === true;
    });
  }

  /** Turn HIPAA mode on or off. On also records organisation-wide ZDR in the privacy settings. */
  async set(organizationId: string, enabled: boolean, actor: string): Promise<void> {
    await this.#db
      .insertInto("hipaa_settings")
      .values({ organization_id: organizationId, enabled, updated_at: new Date() })
      .onConflict((conflict) =>
        conflict.column("organization_id").doUpdateSet({ enabled, updated_at: new Date() }),
      )
      .execute();
    this.#cache.delete(organizationId);
    await this.#audit.append({
      actor,
      action: enabled ? "hipaa.enabled" : "hipaa.disabled",
      target: organizationId,
      organizationId,
      metadata: { covered_models: this.#covered.size },
    });
    // Recorded as an explicit setting too, so the trust page and `privacy show` say ZDR is on.
    if (enabled) await this.#settings.set({ organizationId, zdr: true, actor });
  }

  /** The organisations in HIPAA mode (the trust page). */
  async list(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom("hipaa_settings")
      .select("organization_id")
      .where("enabled", "=", true)
      .orderBy("organization_id")
      .execute();
    return rows.map((row) => row.organization_id);
  }

  /** The request policy: in HIPAA mode, a model whose backend is not covered is refused before any work. */
  async admit(request: AdmissionRequest): Promise<void> {
    await this.checkModel(request.caller.organizationId, request.model);
  }

  /** Refuses (403) a model whose backend is not covered when the organisation is in HIPAA mode. */
  async checkModel(organizationId: string, model: string): Promise<void> {
    if (this.#covered.has(model)) return;
    if (await this.enabled(organizationId)) throw oversightErrors.modelNotCovered(model);
  }
}
