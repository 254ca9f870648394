// The audit log's administrative operations beyond verification (export, inclusion proof, public key),
// for the CLI and the admin socket: the same code whether the CLI runs them itself or asks a running server.
import { Type } from "@sinclair/typebox";
import { defineOperation, installationOnly } from "../core/operation.ts";
import { auditErrors } from "./audit-errors.ts";
import type { AuditLog } from "./audit-log.ts";
import type { ExportPage } from "./audit-prover.ts";
import type { InclusionProof } from "./inclusion-proof.ts";

const operation = defineOperation<{ audit: AuditLog }>();
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const auditOperations = {
  /** One page of `custodian audit export`: the first signs a checkpoint and fixes the snapshot. */
  exportAuditPage: operation({
    description: "one page of the audit log's export (entries, signed checkpoints, public key)",
    permission: installationOnly,
    input: Type.Object({
      treeSize: Type.Optional(Count),
      afterSeq: Type.Optional(Count),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20_000 })),
    }),
    // ExportPage (audit-prover.ts): JSON lines of the export, the snapshot's size, the next page's start.
    output: Type.Unsafe<ExportPage>(Type.Object({}, { additionalProperties: true })),
    run: ({ audit }, input) => audit.exportPage(input),
  }),
  proveAuditEntry: operation({
    description: "an inclusion proof of one entry against the newest signed checkpoint",
    permission: installationOnly,
    input: Type.Object({ seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
    // InclusionProof (inclusion-proof.ts): the entry, its leaf index, the audit path and the signed note.
    output: Type.Unsafe<InclusionProof>(Type.Object({}, { additionalProperties: true })),
    run: ({ audit }, input) => audit.prove(input.seq),
  }),
  auditPublicKey: operation({
    description: "the audit log's public key (a C2SP signed-note verifier key)",
    permission: installationOnly,
    input: Type.Object({}),
    output: Type.Object({
      verifier_key: Type.String(),
      witness_file: Type.Union([Type.String(), Type.Null()]),
    }),
    async run({ audit }) {
      if (!audit.verifierKey) throw auditErrors.notSigning();
      return { verifier_key: audit.verifierKey, witness_file: audit.witnessFile };
    },
  }),
};
