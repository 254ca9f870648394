// The identity domain's error catalogue: sign-in, sessions and SSO configuration.
import { CustodianError } from "../core/errors.ts";

export const identityErrors = {
  /** One wording for every failed sign-in, so a caller learns nothing about which check failed. */
  signInFailed: () =>
    new CustodianError("Sign-in failed.", {
      status: 401,
      type: "authentication_error",
      code: "sign_in_failed",
    }),
  noSession: () =>
    new CustodianError("You are not signed in, or your session has ended.", {
      status: 401,
      type: "authentication_error",
      code: "no_session",
    }),
  csrfRejected: () =>
    new CustodianError("This request is missing a valid CSRF token or comes from another origin.", {
      status: 403,
      type: "permission_error",
      code: "csrf_rejected",
    }),
  ssoNotConfigured: (organizationId: string) =>
    new CustodianError(`Organization '${organizationId}' has no SAML connection.`, {
      status: 404,
      type: "not_found_error",
      code: "sso_not_configured",
    }),
  invalidMetadata: (problem: string) =>
    new CustodianError(`The IdP metadata is not usable: ${problem}.`, {
      status: 400,
      type: "invalid_request_error",
      code: "invalid_saml_metadata",
      param: "metadata",
    }),
  ssoRequired: () =>
    new CustodianError("Local sign-in can only be disabled once a SAML connection is configured.", {
      status: 409,
      type: "invalid_request_error",
      code: "sso_required",
    }),
} as const;

/** A SAML response that was refused, with a short reason code for the log and the audit trail. */
export class SamlRejection extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`SAML response rejected: ${reason}`);
    this.name = "SamlRejection";
    this.reason = reason;
  }
}

/** The providers whose identities sign a user in (SCIM's external id does not). */
export const ssoProviders = ["saml", "oidc"] as const;

/** An unseen SSO identity whose email belongs to a user it may not be linked to by email. */
export class SsoLinkRefused extends Error {
  readonly reason = "identity_link_required";
  constructor() {
    super("This identity is not linked to the user with its email; an admin must link it.");
    this.name = "SsoLinkRefused";
  }
}
