// The access domain's tables (migration 0620-access): custom roles, feature switches, project model lists.
import type { ColumnType } from "kysely";

type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export interface CustomRolesTable {
  organization_id: string;
  /** Unique in the organisation and never a built-in role's name; memberships.role holds it. */
  name: string;
  /** JSON array of permission names. */
  permissions: string;
  updated_at: UpdatedAt;
}

export type SwitchScope = "workspace" | "group";

export interface FeatureSwitchesTable {
  organization_id: string;
  scope: SwitchScope;
  /** A workspace id, or a group id (groups come from SCIM; nothing references them yet). */
  scope_id: string;
  feature: string;
  enabled: boolean;
  /** For the "models" feature: a JSON array of allowed model ids; null allows every model. */
  models: string | null;
  updated_at: UpdatedAt;
}

export interface ProjectModelListsTable {
  organization_id: string;
  project_id: string;
  /** JSON array of the model ids the project's API keys may call. */
  models: string;
  updated_at: UpdatedAt;
}

declare module "../db/schema.ts" {
  interface Database {
    custom_roles: CustomRolesTable;
    feature_switches: FeatureSwitchesTable;
    project_model_lists: ProjectModelListsTable;
  }
}
