// Verifying the audit chain as an administrative operation (`custodian audit verify`, the admin console's
// check): a broken chain pages through the security webhook as well as failing the check (SEC-4).
import { Type } from "@sinclair/typebox";
import type { AuditLog, VerifyResult } from "../audit/audit-log.ts";
import { defineOperation } from "../core/operation.ts";

/** What verifying uses: the audit log (to record a member's check) and the security module. */
export interface SecurityOperationServices {
  audit: Pick<AuditLog, "append">;
  security: { verifyAudit(source: string): Promise<VerifyResult> };
}

const operation = defineOperation<SecurityOperationServices>();

export const securityOperations = {
  verifyAudit: operation({
    description:
      "check the audit log against its signed checkpoints (consistency proofs to the newest outside checkpoint)",
    permission: "audit.verify",
    input: Type.Object({}),
    // VerifyResult (audit-log.ts): ok, entries, checkpoints, and where and why a broken chain breaks.
    output: Type.Unsafe<VerifyResult>(
      Type.Object({ ok: Type.Boolean(), entries: Type.Integer(), checkpoints: Type.Integer() }),
    ),
    async run({ audit, security }, _input, caller) {
      const result = await security.verifyAudit("audit verify");
      if (caller.member) {
        // The chain is one for the whole installation; the member's organisation records that it looked.
        await audit.append({
          actor: caller.actor,
          action: "audit.verified",
          target: caller.member.organizationId,
          organizationId: caller.member.organizationId,
          metadata: { ok: result.ok, entries: result.entries },
        });
      }
      return result;
    },
  }),
};
