// Errors of customer-managed keys: they name the cause (the customer's key), never key material.
import { CustodianError } from "../core/errors.ts";

export const customerKeyErrors = {
  /** The customer's KMS answered and refused: key disabled, revoked, or access removed. */
  revoked: (kind: string) =>
    new CustodianError(
      `This organisation's customer-managed key (${kind}) is disabled or access to it was revoked, so its data cannot be read. Restore the key to restore access.`,
      { status: 403, type: "permission_error", code: "customer_key_revoked" },
    ),
  /** The customer's KMS could not be reached: nothing is known about the key. */
  unreachable: (kind: string) =>
    new CustodianError(`This organisation's key service (${kind}) could not be reached.`, {
      status: 503,
      type: "server_error",
      code: "customer_key_unreachable",
      retryable: true,
    }),
} as const;
