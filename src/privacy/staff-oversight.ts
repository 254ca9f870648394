// Oversight of stored data, wired: the abuse-review queue, operators and their staff-access grants,
// the access log the organisation sees, HIPAA mode and the organisation export.
import type { AuditLog } from "../audit/audit-log.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import {
  OrganizationExporter,
  type ExportSection,
  type OrganizationExporterDependencies,
} from "./export-organization.ts";
import type { HipaaMode } from "./hipaa-mode.ts";
import type { PrivacySettingsService } from "./privacy-settings-service.ts";
import { ReviewQueue } from "./review-queue.ts";
import { StaffAccessLog } from "./staff-access-log.ts";
import { StaffDataAccess, type StaffConversationSource } from "./staff-data-access.ts";
import { StaffGrantService } from "./staff-grants.ts";
import { OperatorService } from "./staff-operators.ts";

export interface Oversight {
  review: ReviewQueue;
  operators: OperatorService;
  grants: StaffGrantService;
  staffData: StaffDataAccess;
  accessLog: StaffAccessLog;
  hipaa: HipaaMode;
  exporter: OrganizationExporter;
}

export function createOversight(dependencies: {
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  settings: PrivacySettingsService;
  /** HIPAA mode (the privacy engine's); the export records it. */
  hipaa: HipaaMode;
  /** The export's sections, contributed by the domains that keep the data; read at export time. */
  sections: readonly ExportSection[];
  conversations: StaffConversationSource;
  exportSources: Omit<OrganizationExporterDependencies, "audit" | "settings" | "hipaa" | "sections">;
}): Oversight {
  const { db, keyring, audit, settings, conversations, hipaa } = dependencies;
  const accessLog = new StaffAccessLog({ db, audit });
  const grants = new StaffGrantService({
    db,
    audit,
    conversations,
    checkOrganization: dependencies.exportSources.organization,
  });
  return {
    review: new ReviewQueue({ db, keyring, audit, accessLog }),
    operators: new OperatorService({ db, audit }),
    grants,
    staffData: new StaffDataAccess({ db, keyring, grants, conversations, accessLog }),
    accessLog,
    hipaa,
    exporter: new OrganizationExporter({
      ...dependencies.exportSources,
      audit,
      settings,
      hipaa,
      // The platform's gathered list, read at export time; nothing here adds to it (no addSection).
      sections: dependencies.sections as ExportSection[],
    }),
  };
}
