// The oversight error catalogue: missing staff-access grants, operator sign-in,
// HIPAA mode's refusal of uncovered models.
import { CustodianError } from "../core/errors.ts";

export const oversightErrors = {
  /** One answer for "no grant", "grant expired" and "grant does not cover this": none says more. */
  noGrant: () =>
    new CustodianError("No active staff-access grant of this operator covers this organization's data.", {
      status: 403,
      type: "permission_error",
      code: "no_staff_grant",
    }),
  operatorSignInFailed: () =>
    new CustodianError("Operator sign-in failed.", {
      status: 401,
      type: "authentication_error",
      code: "operator_sign_in_failed",
    }),
  noOperatorSession: () =>
    new CustodianError("Send an operator session token as 'Authorization: Bearer <token>'.", {
      status: 401,
      type: "authentication_error",
      code: "no_operator_session",
    }),
  recordNotFound: (id: string) =>
    new CustodianError(`No flagged API record with id '${id}' awaits review.`, {
      status: 404,
      type: "not_found_error",
      code: "record_not_found",
    }),
  apiRecordNotFound: (id: string) =>
    new CustodianError(`No kept API record with id '${id}'.`, {
      status: 404,
      type: "not_found_error",
      code: "record_not_found",
    }),
  grantNotFound: (id: string) =>
    new CustodianError(`No staff-access grant with id '${id}'.`, {
      status: 404,
      type: "not_found_error",
      code: "grant_not_found",
    }),
  grantConflict: (message: string) =>
    new CustodianError(message, { status: 409, type: "invalid_request_error", code: "grant_conflict" }),
  invalid: (message: string, param: string | null = null) =>
    new CustodianError(message, { status: 400, type: "invalid_request_error", code: "invalid_value", param }),
  modelNotCovered: (model: string) =>
    new CustodianError(
      `The model '${model}' is not served by a backend covered by a business associate agreement, and this organization is in HIPAA mode.`,
      { status: 403, type: "permission_error", code: "model_not_covered_by_baa", param: "model" },
    ),
} as const;
