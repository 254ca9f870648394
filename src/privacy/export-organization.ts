// The organisation export (OWN-2, owner part): files (contents on request), fine-tuning jobs with their
// events, models' metadata, settings, members and roles, and the audit log with its checkpoints, as one
// JSON document or as JSON lines; every export is an audit event. Never a conversation (CTL-4).
import type { AuditLog } from "../audit/audit-log.ts";
import { organizationAuditEntries, type AuditLogExport } from "./export-audit-log.ts";
import type { HipaaMode } from "./hipaa-mode.ts";
import type { PrivacySettingsService } from "./privacy-settings-service.ts";

export const exportFormat = "custodian-organization-export/v1";
/** Additions within v1 only add members; a reader of an older v1 document finds what it knew. */
export const exportVersion = 1;

export interface ExportOptions {
  /** Carry each file's content (base64) as well as its metadata. */
  includeContent: boolean;
}

/**
 * A section another domain contributes (files, fine-tuning jobs, members...): records of one
 * organisation, never conversation content. A section no domain registers is exported as null.
 */
export interface ExportSection {
  name: string;
  /** `settings` puts the records under `settings[name]`; the default is `sections[name]`. */
  place?: "sections" | "settings";
  records(organizationId: string, options: ExportOptions): Promise<Array<Record<string, unknown>>>;
}

/** Sections that belong in every export, null until the domain that owns them registers a source. */
export const expectedSections = [
  "files",
  "fine_tuning_jobs",
  "fine_tuned_models",
  "workspaces",
  "members",
  "roles",
  "projects",
] as const;

export interface OrganizationExport {
  format: typeof exportFormat;
  version: typeof exportVersion;
  exported_at: string;
  /** Whether `sections.files` carries contents. */
  include_content: boolean;
  organization: { id: string; name: string; created_at: string };
  settings: {
    privacy: Array<{ project: string | null; retention_days: number | null; zdr: boolean | null }>;
    hipaa: boolean;
    api_keys: Array<Record<string, unknown>>;
    /** Settings sections (workspace retention, feature switches) by name. */
    [name: string]: unknown;
  };
  models: Array<Record<string, unknown>>;
  /** Registered sections by name; null where this installation has no such data. */
  sections: Record<string, Array<Record<string, unknown>> | null>;
  audit_log: AuditLogExport["entries"];
  audit_checkpoints: AuditLogExport["checkpoints"];
  audit_inclusion_proofs: AuditLogExport["inclusion_proofs"];
  audit_public_key: AuditLogExport["public_key"];
}

export interface OrganizationExporterDependencies {
  audit: AuditLog;
  settings: PrivacySettingsService;
  hipaa: HipaaMode;
  organization(organizationId: string): Promise<{ id: string; name: string; createdAt: Date }>;
  apiKeys(organizationId: string): Promise<Array<Record<string, unknown>>>;
  models(): Promise<Array<Record<string, unknown>>>;
  /** The organisation's audit log with checkpoints (and proofs); entries alone through the API if absent. */
  auditLog?: (organizationId: string) => Promise<AuditLogExport>;
  sections: ExportSection[];
}

export class OrganizationExporter {
  readonly #dependencies: OrganizationExporterDependencies;

  constructor(dependencies: OrganizationExporterDependencies) {
    this.#dependencies = dependencies;
  }

  /** Register a section (the files and fine-tuning domains, once they exist). */
  addSection(section: ExportSection): void {
    this.#dependencies.sections.push(section);
  }

  async #auditLog(organizationId: string): Promise<AuditLogExport> {
    if (this.#dependencies.auditLog) return this.#dependencies.auditLog(organizationId);
    const entries = await organizationAuditEntries(this.#dependencies.audit, organizationId);
    return { entries, checkpoints: [], inclusion_proofs: null, public_key: null };
  }

  async export(
    organizationId: string,
    actor: string,
    options: ExportOptions = { includeContent: false },
  ): Promise<OrganizationExport> {
    const { audit, settings, hipaa } = this.#dependencies;
    const organization = await this.#dependencies.organization(organizationId);
    const sections: OrganizationExport["sections"] = Object.fromEntries(
      expectedSections.map((name) => [name, null]),
    );
    const settingSections: Record<string, Array<Record<string, unknown>>> = {};
    for (const section of this.#dependencies.sections) {
      const records = await section.records(organizationId, options);
      if (section.place === "settings") settingSections[section.name] = records;
      else sections[section.name] = records;
    }
    const auditLog = await this.#auditLog(organizationId);
    const result: OrganizationExport = {
      format: exportFormat,
      version: exportVersion,
      exported_at: new Date().toISOString(),
      include_content: options.includeContent,
      organization: {
        id: organization.id,
        name: organization.name,
        created_at: organization.createdAt.toISOString(),
      },
      settings: {
        ...settingSections,
        privacy: (await settings.list(organizationId)).map((setting) => ({
          project: setting.projectId,
          retention_days: setting.retentionDays,
          zdr: setting.zdr,
        })),
        hipaa: await hipaa.enabled(organizationId),
        api_keys: await this.#dependencies.apiKeys(organizationId),
      },
      models: await this.#dependencies.models(),
      sections,
      audit_log: auditLog.entries,
      audit_checkpoints: auditLog.checkpoints,
      audit_inclusion_proofs: auditLog.inclusion_proofs,
      audit_public_key: auditLog.public_key,
    };
    await audit.append({
      actor,
      action: "organization.exported",
      target: organizationId,
      organizationId,
      metadata: {
        audit_entries: auditLog.entries.length,
        include_content: options.includeContent,
        sections: Object.entries(sections)
          .filter(([, records]) => records !== null)
          .map(([name]) => name)
          .join(","),
      },
    });
    return result;
  }
}

/** The same export as JSON lines: a header line, then one line per record, each naming its section. */
export function exportToJsonLines(exported: OrganizationExport): string {
  const lines: unknown[] = [
    {
      section: "export",
      format: exported.format,
      version: exported.version,
      exported_at: exported.exported_at,
      include_content: exported.include_content,
      organization: exported.organization,
      audit_inclusion_proofs: exported.audit_inclusion_proofs,
      audit_public_key: exported.audit_public_key,
    },
    { section: "settings", ...exported.settings },
    ...exported.models.map((model) => ({ section: "models", ...model })),
  ];
  for (const [name, records] of Object.entries(exported.sections)) {
    for (const record of records ?? []) lines.push({ section: name, ...record });
  }
  for (const entry of exported.audit_log) lines.push({ section: "audit_log", ...entry });
  for (const checkpoint of exported.audit_checkpoints)
    lines.push({ section: "audit_checkpoints", ...checkpoint });
  return lines.map((line) => JSON.stringify(line)).join("\n") + "\n";
}
