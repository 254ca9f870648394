// Which models a member may use in the workspace (from feature switches), and which models a
// project's API keys may call on /v1 (the project's allow-list, enforced as a request policy).
import { ExpiringCache } from "../core/expiring-cache.ts";
import type { Db } from "../db/database.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { AdmissionRequest, RequestPolicy } from "../inference/completion-hooks.ts";
import { accessErrors } from "./access-errors.ts";
import "./access-tables.ts";
import type { FeatureSwitchService } from "./feature-switch-service.ts";

/** A signed-in member of a workspace (the workspace domain's `Member`, by shape). */
export interface WorkspaceMember {
  organizationId: string;
  workspaceId: string;
  userId: string;
}

/** The groups a user belongs to; groups come from SCIM, so the identity domain supplies this. */
export type GroupLookup = (organizationId: string, userId: string) => Promise<string[]>;

/** How long a project's allow-list is trusted from memory on the /v1 hot path. */
const projectCacheMs = 5_000;

export class ModelAccess implements RequestPolicy {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #switches: FeatureSwitchService;
  readonly #groupsOf: GroupLookup;
  readonly #projectCache = new ExpiringCache<string[] | null>(projectCacheMs);

  constructor(dependencies: {
    db: Db;
    audit: AuditLog;
    switches: FeatureSwitchService;
    groupsOf?: GroupLookup;
  }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#switches = dependencies.switches;
    this.#groupsOf = dependencies.groupsOf ?? (async () => []);
  }

  /** A test of model ids for this member: what /api/models lists. */
  readonly allowedFor = async (member: WorkspaceMember): Promise<(modelId: string) => boolean> => {
    const { allowedModels } = await this.#switches.effective(
      member.organizationId,
      member.workspaceId,
      await this.#groupsOf(member.organizationId, member.userId),
    );
    return allowedModels === null ? () => true : (modelId) => allowedModels.includes(modelId);
  };

  /** The workspace's model gate: throws 403 unless the member may use the model. */
  readonly gate = async (member: WorkspaceMember, modelId: string): Promise<void> => {
    if (!(await this.allowedFor(member))(modelId)) throw accessErrors.modelNotAllowed(modelId);
  };

  /** The models a project's API keys may call; null when the project has no list (every model). */
  async projectModels(organizationId: string, projectId: string): Promise<string[] | null> {
    const row = await this.#db
      .selectFrom("project_model_lists")
      .select("models")
      .where("organization_id", "=", organizationId)
      .where("project_id", "=", projectId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.models) as string[]) : null;
  }

  /** Set (or with null remove) a project's allow-list. The caller has checked the project is the organisation's. */
  async setProjectModels(input: {
    organizationId: string;
    projectId: string;
    models: readonly string[] | null;
    actor: string;
  }): Promise<string[] | null> {
    let models: string[] | null = null;
    if (input.models === null) {
      await this.#db
        .deleteFrom("project_model_lists")
        .where("organization_id", "=", input.organizationId)
        .where("project_id", "=", input.projectId)
        .execute();
    } else {
      if (input.models.length > 200 || input.models.some((model) => model.length === 0 || model.length > 256))
        throw accessErrors.invalid("At most 200 model ids of 1 to 256 characters.", "models");
      models = [...new Set(input.models)].sort();
      const values = { models: JSON.stringify(models), updated_at: new Date() };
      await this.#db
        .insertInto("project_model_lists")
        .values({ organization_id: input.organizationId, project_id: input.projectId, ...values })
        .onConflict((conflict) => conflict.columns(["organization_id", "project_id"]).doUpdateSet(values))
        .execute();
    }
    // Other nodes catch up within the cache's lifetime.
    this.#projectCache.clear();
    await this.#audit.append({
      actor: input.actor,
      action: "project.models_set",
      target: input.projectId,
      organizationId: input.organizationId,
      metadata: { models: models === null ? null : models.length },
    });
    return models;
  }

  /** The /v1 request policy: a project with an allow-list calls only the models on it. */
  async admit({ caller, model }: AdmissionRequest): Promise<void> {
    const key = `${caller.organizationId}/${caller.projectId}`;
    const models = await this.#projectCache.get(key, () =>
      this.projectModels(caller.organizationId, caller.projectId),
    );
    if (models !== null && !models.includes(model)) throw accessErrors.modelNotAllowed(model);
  }
}
