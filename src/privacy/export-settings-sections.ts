// Export sections for an organisation's settings beyond API privacy (OWN-2): workspace retention,
// feature switches and model allow-lists, each from its own domain's service through a small shape.
import type { ExportSection } from "./export-organization.ts";
import type { MemberLister } from "./export-people-sections.ts";

export interface RetentionReader {
  /** Days a workspace keeps unused conversations; null keeps them until deleted ("forever"). */
  retention(organizationId: string, workspaceId: string): Promise<number | null>;
}

export interface SwitchLister {
  list(organizationId: string): Promise<
    Array<{
      scope: string;
      scopeId: string;
      feature: string;
      enabled: boolean;
      models: string[] | null;
      updatedAt: Date;
    }>
  >;
}

export interface ProjectModelLister {
  listProjects(organizationId: string): Promise<Array<{ id: string; name: string; createdAt: Date }>>;
  /** The models a project's API keys may call; null allows every model. */
  projectModels(organizationId: string, projectId: string): Promise<string[] | null>;
}

export function workspaceRetentionExportSection(
  users: Pick<MemberLister, "listWorkspaces">,
  retention: RetentionReader,
): ExportSection {
  return {
    name: "workspace_retention",
    place: "settings",
    async records(organizationId) {
      const records = [];
      for (const workspace of await users.listWorkspaces(organizationId)) {
        records.push({
          workspace: workspace.id,
          retention_days: await retention.retention(organizationId, workspace.id),
        });
      }
      return records;
    },
  };
}

export function featureSwitchesExportSection(switches: SwitchLister): ExportSection {
  return {
    name: "feature_switches",
    place: "settings",
    async records(organizationId) {
      return (await switches.list(organizationId)).map((change) => ({
        scope: change.scope,
        scope_id: change.scopeId,
        feature: change.feature,
        enabled: change.enabled,
        models: change.models,
        updated_at: change.updatedAt.toISOString(),
      }));
    },
  };
}

/** Projects, each with the models its API keys may call (null: every model). */
export function projectsExportSection(projects: ProjectModelLister): ExportSection {
  return {
    name: "projects",
    async records(organizationId) {
      const records = [];
      for (const project of await projects.listProjects(organizationId)) {
        records.push({
          id: project.id,
          name: project.name,
          created_at: project.createdAt.toISOString(),
          allowed_models: await projects.projectModels(organizationId, project.id),
        });
      }
      return records;
    },
  };
}
