// Feature switches per workspace and per group, and what they add up to for one member: a feature is
// on unless a switch that applies to the member turns it off, and the models allowed are those every
// applicable allow-list names. Every query is scoped by organisation here.
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { accessErrors } from "./access-errors.ts";
import type { SwitchScope } from "./access-tables.ts";
import "./access-tables.ts";
import { features, isFeature, type EffectiveFeatures, type Feature } from "./features.ts";

export interface FeatureSwitch {
  scope: SwitchScope;
  scopeId: string;
  feature: Feature;
  enabled: boolean;
  /** For "models": the allowed model ids; null allows every model. */
  models: string[] | null;
  updatedAt: Date;
}

export interface SwitchChange {
  organizationId: string;
  scope: SwitchScope;
  scopeId: string;
  feature: string;
  enabled: boolean;
  models?: readonly string[] | null;
  actor: string;
}

const maxModels = 200;

function checkModels(models: readonly string[] | null | undefined): string[] | null {
  if (models === undefined || models === null) return null;
  if (models.length > maxModels) throw accessErrors.invalid(`At most ${maxModels} models.`, "models");
  for (const model of models) {
    if (typeof model !== "string" || model.length === 0 || model.length > 256)
      throw accessErrors.invalid("Model ids are 1 to 256 characters.", "models");
  }
  return [...new Set(models)].sort();
}

function parseModels(json: string | null): string[] | null {
  if (json === null) return null;
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? parsed.map(String) : [];
}

export class FeatureSwitchService {
  readonly #db: Db;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  #scoped(organizationId: string) {
    return this.#db
      .selectFrom("feature_switches")
      .select(["scope", "scope_id", "feature", "enabled", "models", "updated_at"])
      .where("organization_id", "=", organizationId);
  }

  async list(organizationId: string): Promise<FeatureSwitch[]> {
    const rows = await this.#scoped(organizationId)
      .orderBy("scope")
      .orderBy("scope_id")
      .orderBy("feature")
      .execute();
    return rows.flatMap((row) =>
      isFeature(row.feature)
        ? [
            {
              scope: row.scope,
              scopeId: row.scope_id,
              feature: row.feature,
              enabled: row.enabled,
              models: parseModels(row.models),
              updatedAt: row.updated_at,
            },
          ]
        : [],
    );
  }

  /** Set one switch. The caller has checked that the workspace or group belongs to the organisation. */
  async set(change: SwitchChange): Promise<FeatureSwitch> {
    if (!isFeature(change.feature))
      throw accessErrors.invalid(`'feature' is one of ${features.join(", ")}.`, "feature");
    if (change.feature !== "models" && change.models !== undefined && change.models !== null)
      throw accessErrors.invalid("Only the 'models' feature takes a list of models.", "models");
    const models = checkModels(change.models);
    const updatedAt = new Date();
    const values = {
      enabled: change.enabled,
      models: models === null ? null : JSON.stringify(models),
      updated_at: updatedAt,
    };
    await this.#db
      .insertInto("feature_switches")
      .values({
        organization_id: change.organizationId,
        scope: change.scope,
        scope_id: change.scopeId,
        feature: change.feature,
        ...values,
      })
      .onConflict((conflict) =>
        conflict.columns(["organization_id", "scope", "scope_id", "feature"]).doUpdateSet(values),
      )
      .execute();
    await this.#audit.append({
      actor: change.actor,
      action: "feature_switch.set",
      target: change.scopeId,
      organizationId: change.organizationId,
      metadata: {
        scope: change.scope,
        feature: change.feature,
        enabled: change.enabled,
        models: models === null ? null : models.length,
      },
    });
    return {
      scope: change.scope,
      scopeId: change.scopeId,
      feature: change.feature,
      enabled: change.enabled,
      models,
      updatedAt,
    };
  }

  /** Remove a switch, so the feature falls back to its default (on, every model). */
  async clear(input: {
    organizationId: string;
    scope: SwitchScope;
    scopeId: string;
    feature: string;
    actor: string;
  }): Promise<void> {
    if (!isFeature(input.feature))
      throw accessErrors.invalid(`'feature' is one of ${features.join(", ")}.`, "feature");
    await this.#db
      .deleteFrom("feature_switches")
      .where("organization_id", "=", input.organizationId)
      .where("scope", "=", input.scope)
      .where("scope_id", "=", input.scopeId)
      .where("feature", "=", input.feature)
      .execute();
    await this.#audit.append({
      actor: input.actor,
      action: "feature_switch.cleared",
      target: input.scopeId,
      organizationId: input.organizationId,
      metadata: { scope: input.scope, feature: input.feature },
    });
  }

  /** What applies to a member of `workspaceId` who belongs to `groupIds`. */
  async effective(
    organizationId: string,
    workspaceId: string,
    groupIds: readonly string[],
  ): Promise<EffectiveFeatures> {
    let query = this.#scoped(organizationId).where((where) =>
      where.or([
        where.and([where("scope", "=", "workspace"), where("scope_id", "=", workspaceId)]),
        ...(groupIds.length > 0
          ? [where.and([where("scope", "=", "group"), where("scope_id", "in", groupIds)])]
          : []),
      ]),
    );
    query = query.orderBy("feature");
    const rows = await query.execute();
    const enabled = Object.fromEntries(features.map((feature) => [feature, true])) as Record<
      Feature,
      boolean
    >;
    let allowedModels: string[] | null = null;
    for (const row of rows) {
      if (!isFeature(row.feature)) continue;
      if (!row.enabled) enabled[row.feature] = false;
      const models = row.feature === "models" && row.enabled ? parseModels(row.models) : null;
      if (models !== null)
        allowedModels = allowedModels === null ? models : allowedModels.filter((id) => models.includes(id));
    }
    // Switching "models" off leaves no model allowed at all.
    if (!enabled.models) allowedModels = [];
    return { enabled, allowedModels };
  }
}
