// Errors of email-domain routing: claiming, verifying and enforcing SSO for a domain.
import { CustodianError } from "../core/errors.ts";

export const domainErrors = {
  invalidDomain: () =>
    new CustodianError("'domain' must be a domain name such as example.com.", {
      status: 400,
      type: "invalid_request_error",
      code: "invalid_domain",
      param: "domain",
    }),
  notClaimed: (domain: string) =>
    new CustodianError(`The organization has not claimed the domain '${domain}'.`, {
      status: 404,
      type: "not_found_error",
      code: "domain_not_found",
    }),
  notVerified: (domain: string) =>
    new CustodianError(`The domain '${domain}' is not verified yet.`, {
      status: 409,
      type: "invalid_request_error",
      code: "domain_not_verified",
    }),
  tokenNotFound: (domain: string) =>
    new CustodianError(`The verification token was not found for '${domain}'.`, {
      status: 409,
      type: "invalid_request_error",
      code: "domain_token_not_found",
    }),
  heldElsewhere: (domain: string, options?: { cause?: unknown }) =>
    new CustodianError(
      `The domain '${domain}' is verified by another organization.`,
      { status: 409, type: "invalid_request_error", code: "domain_verified_elsewhere" },
      options,
    ),
  reasonRequired: () =>
    new CustodianError("Marking a domain verified by hand needs a 'reason' (5 to 500 characters).", {
      status: 400,
      type: "invalid_request_error",
      code: "reason_required",
      param: "reason",
    }),
  noSsoConnection: () =>
    new CustodianError("SSO can only be enforced once the organization has an SSO connection.", {
      status: 409,
      type: "invalid_request_error",
      code: "sso_required",
    }),
  /** Password sign-in refused because the email's domain must sign in through its SSO. */
  ssoEnforced: () =>
    new CustodianError("This email domain signs in through single sign-on.", {
      status: 403,
      type: "permission_error",
      code: "sso_enforced",
    }),
} as const;
