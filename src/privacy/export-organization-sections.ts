// Every section of the organisation export, from the services that own the data: the one list the
// platform registers, so adding a section is a change here rather than in the composition root.
import type { ExportSection } from "./export-organization.ts";
import {
  membersExportSection,
  rolesExportSection,
  workspacesExportSection,
  type GroupLookup,
  type MemberLister,
  type RoleLister,
} from "./export-people-sections.ts";
import {
  filesExportSection,
  fineTunedModelsExportSection,
  fineTuningJobsExportSection,
  type FileLister,
  type FineTunedModelLister,
  type JobLister,
} from "./export-sections.ts";
import {
  featureSwitchesExportSection,
  projectsExportSection,
  workspaceRetentionExportSection,
  type ProjectModelLister,
  type RetentionReader,
  type SwitchLister,
} from "./export-settings-sections.ts";

export interface OrganizationExportSources {
  files: FileLister;
  jobs: JobLister;
  fineTunedModels: FineTunedModelLister;
  users: MemberLister;
  groupsOf: GroupLookup;
  roles: RoleLister;
  switches: SwitchLister;
  retention: RetentionReader;
  projects: ProjectModelLister;
}

export function organizationExportSections(sources: OrganizationExportSources): ExportSection[] {
  return [
    filesExportSection(sources.files),
    fineTuningJobsExportSection(sources.jobs),
    fineTunedModelsExportSection(sources.fineTunedModels, sources.jobs),
    workspacesExportSection(sources.users),
    membersExportSection(sources.users, sources.groupsOf),
    rolesExportSection(sources.roles),
    projectsExportSection(sources.projects),
    workspaceRetentionExportSection(sources.users, sources.retention),
    featureSwitchesExportSection(sources.switches),
  ];
}
