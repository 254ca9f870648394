// The audit log's admin operations beyond verification (export, inclusion proof, public key), for the CLI
// and the admin socket: the same code whether the CLI runs them itself or asks a running server.
import { errors } from "../core/errors.ts";
import type { Operation, OperationInput } from "../core/operation-input.ts";
import { auditErrors } from "./audit-errors.ts";
import type { AuditLog } from "./audit-log.ts";

/** A whole number from JSON or from a command line's text; undefined when absent. */
function wholeNumber(input: OperationInput, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0)
    throw errors.invalidRequest(`'${name}' must be a whole number of 0 or more.`, name);
  return number;
}

export function auditOperations(audit: AuditLog): Record<string, Operation> {
  return {
    /** One page of `custodian audit export`: the first signs a checkpoint and fixes the snapshot. */
    async exportAuditPage(input) {
      return audit.exportPage({
        treeSize: wholeNumber(input, "treeSize"),
        afterSeq: wholeNumber(input, "afterSeq"),
        limit: wholeNumber(input, "limit"),
      });
    },
    async proveAuditEntry(input) {
      const seq = wholeNumber(input, "seq");
      if (seq === undefined) throw auditErrors.invalidSeq();
      return audit.prove(seq);
    },
    async auditPublicKey() {
      if (!audit.verifierKey) throw auditErrors.notSigning();
      return { verifier_key: audit.verifierKey, witness_file: audit.witnessFile };
    },
  };
}
