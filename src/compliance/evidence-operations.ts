// SEC-5: `custodian evidence export` as an operation: the organisation's evidence pack as one tar.gz
// (returned base64-encoded, so the admin socket carries it as JSON), audited; `organization.evidence`
// is the owner's alone where a console offers it.
import { Type } from "@sinclair/typebox";
import type { AuditLog } from "../audit/audit-log.ts";
import { defineOperation, OrganizationId } from "../core/operation.ts";
import { tarGz, type TarFile } from "../core/tar-writer.ts";

export interface EvidenceOperationServices {
  compliance: { evidence: { files(organizationId: string): Promise<TarFile[]> } };
  tenancy: { getOrganization(organizationId: string): Promise<unknown> };
  audit: AuditLog;
}

const operation = defineOperation<EvidenceOperationServices>();

export const evidenceOperations = {
  exportEvidence: operation({
    description:
      "the organisation's SOC 2 evidence pack (tar.gz): commitments mapped to the Trust Services Criteria, " +
      "probe history, audit log with checkpoints and public key, configuration without secrets, access " +
      "transparency, key rotation history",
    permission: "organization.evidence",
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Object({
      organization: Type.String(),
      sections: Type.Array(Type.String()),
      bytes: Type.Integer(),
      /** The tar.gz, base64-encoded. */
      archive: Type.String(),
    }),
    async run({ compliance, tenancy, audit }, input, caller) {
      await tenancy.getOrganization(input.organization);
      const files = await compliance.evidence.files(input.organization);
      const archive = tarGz(files);
      await audit.append({
        actor: caller.actor,
        action: "organization.evidence_exported",
        target: input.organization,
        organizationId: input.organization,
        metadata: { sections: files.length, bytes: archive.length },
      });
      return {
        organization: input.organization,
        sections: files.map((file) => file.name),
        bytes: archive.length,
        archive: archive.toString("base64"),
      };
    },
  }),
};
