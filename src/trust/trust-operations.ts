// PLAT-2's administrative operations: the trust report (`custodian trust`), running every live probe now
// (`custodian verify`, and the trust page's "Run checks now" for owners) and the probes' history.
import { Type } from "@sinclair/typebox";
import type { AuditLog } from "../audit/audit-log.ts";
import { defineOperation, installationOnly } from "../core/operation.ts";
import type { ProbeResult, TrustReport } from "../privacy/trust-report.ts";
import type { TrustService } from "./trust-service.ts";

const operation = defineOperation<{ trust: TrustService; audit: Pick<AuditLog, "append"> }>();

const Results = Type.Unsafe<ProbeResult[]>(Type.Array(Type.Object({}, { additionalProperties: true })));

export const trustOperations = {
  trustReport: operation({
    description:
      "every commitment with its live probes' latest results and its tests' proofs in the last test run",
    permission: installationOnly,
    input: Type.Object({}),
    // The report's shape is TrustReport (privacy/trust-report.ts), which the trust page reads too.
    output: Type.Unsafe<TrustReport>(Type.Object({}, { additionalProperties: true })),
    async run({ trust }) {
      return trust.report();
    },
  }),
  verifyTrust: operation({
    description: "run every live trust probe now against this installation and keep the results",
    // Owners only on the console (the trust page's "Run checks now"); the CLI acts for the installation.
    permission: "trust.verify",
    input: Type.Object({}),
    output: Type.Object({ ok: Type.Boolean(), results: Results }),
    async run({ trust, audit }, _input, caller) {
      const results = await trust.runNow("demand");
      // Skipped (a probe that needs the listener, run in a CLI process) is not a failure, nor a pass.
      const ok = results.every((result) => result.status !== "failed");
      await audit.append({
        actor: caller.actor,
        action: "trust.verified",
        target: caller.member?.organizationId ?? null,
        organizationId: caller.member?.organizationId ?? null,
        metadata: {
          ok,
          probes: results.length,
          failed: results.filter((result) => result.status === "failed").length,
        },
      });
      return { ok, results };
    },
  }),
  trustHistory: operation({
    description: "the live trust probes' latest results, newest first",
    permission: installationOnly,
    input: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
    output: Results,
    async run({ trust }, input) {
      return trust.history(input.limit ?? 100);
    },
  }),
};
