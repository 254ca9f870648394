// Errors of OIDC sign-in: configuration problems, and the refusal of a callback with its reason code.
import { CustodianError } from "../../core/errors.ts";

export const oidcErrors = {
  notConfigured: (organizationId: string) =>
    new CustodianError(`Organization '${organizationId}' has no OIDC connection.`, {
      status: 404,
      type: "not_found_error",
      code: "oidc_not_configured",
    }),
  invalidSetting: (param: string, problem: string) =>
    new CustodianError(`'${param}' ${problem}.`, {
      status: 400,
      type: "invalid_request_error",
      code: "invalid_oidc_setting",
      param,
    }),
  providerUnreachable: () =>
    new CustodianError("The OpenID provider's discovery document could not be read.", {
      status: 502,
      type: "server_error",
      code: "oidc_provider_unreachable",
      retryable: true,
    }),
} as const;

/** An OIDC callback that was refused, with a short reason code for the log and the audit trail. */
export class OidcRejection extends Error {
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`OIDC sign-in rejected: ${reason}`, options);
    this.name = "OidcRejection";
    this.reason = reason;
  }
}
