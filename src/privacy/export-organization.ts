// The organisation export (OWN-2, owner part): files' metadata, fine-tuning jobs, models' metadata,
// settings and the audit log, as one JSON document or as JSON lines; every export is an audit event.
import type { AuditLog, AuditMetadata } from "../audit/audit-log.ts";
import type { HipaaMode } from "./hipaa-mode.ts";
import type { PrivacySettingsService } from "./privacy-settings-service.ts";

export const exportFormat = "custodian-organization-export/v1";

/**
 * A section another domain contributes (files, fine-tuning jobs, fine-tuned models): metadata records
 * of one organisation, never file contents. A section no domain registers is exported as null.
 */
export interface ExportSection {
  name: string;
  records(organizationId: string): Promise<Array<Record<string, unknown>>>;
}

/** Sections that belong in every export, null until the domain that owns them registers a source. */
export const expectedSections = ["files", "fine_tuning_jobs", "fine_tuned_models"] as const;

export interface OrganizationExport {
  format: typeof exportFormat;
  exported_at: string;
  organization: { id: string; name: string; created_at: string };
  settings: {
    privacy: Array<{ project: string | null; retention_days: number | null; zdr: boolean | null }>;
    hipaa: boolean;
    api_keys: Array<Record<string, unknown>>;
  };
  models: Array<Record<string, unknown>>;
  /** Registered sections by name; null where this installation has no such data. */
  sections: Record<string, Array<Record<string, unknown>> | null>;
  audit_log: Array<{
    seq: number;
    at: string;
    actor: string;
    action: string;
    target: string | null;
    metadata: AuditMetadata;
  }>;
}

export interface OrganizationExporterDependencies {
  audit: AuditLog;
  settings: PrivacySettingsService;
  hipaa: HipaaMode;
  organization(organizationId: string): Promise<{ id: string; name: string; createdAt: Date }>;
  apiKeys(organizationId: string): Promise<Array<Record<string, unknown>>>;
  models(): Promise<Array<Record<string, unknown>>>;
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

  async export(organizationId: string, actor: string): Promise<OrganizationExport> {
    const { audit, settings, hipaa } = this.#dependencies;
    const organization = await this.#dependencies.organization(organizationId);
    const sections: OrganizationExport["sections"] = Object.fromEntries(
      expectedSections.map((name) => [name, null]),
    );
    for (const section of this.#dependencies.sections) {
      sections[section.name] = await section.records(organizationId);
    }
    const auditLog: OrganizationExport["audit_log"] = [];
    for (let afterSeq = 0; ;) {
      const page = await audit.entries({ organizationId, afterSeq, limit: 5000 });
      for (const entry of page) {
        auditLog.push({
          seq: entry.seq,
          at: entry.at.toISOString(),
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          metadata: entry.metadata,
        });
      }
      if (page.length < 5000) break;
      afterSeq = page.at(-1)!.seq;
    }
    const result: OrganizationExport = {
      format: exportFormat,
      exported_at: new Date().toISOString(),
      organization: {
        id: organization.id,
        name: organization.name,
        created_at: organization.createdAt.toISOString(),
      },
      settings: {
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
      audit_log: auditLog,
    };
    await audit.append({
      actor,
      action: "organization.exported",
      target: organizationId,
      organizationId,
      metadata: {
        audit_entries: auditLog.length,
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
      exported_at: exported.exported_at,
      organization: exported.organization,
    },
    { section: "settings", ...exported.settings },
    ...exported.models.map((model) => ({ section: "models", ...model })),
  ];
  for (const [name, records] of Object.entries(exported.sections)) {
    for (const record of records ?? []) lines.push({ section: name, ...record });
  }
  for (const entry of exported.audit_log) lines.push({ section: "audit_log", ...entry });
  return lines.map((line) => JSON.stringify(line)).join("\n") + "\n";
}
