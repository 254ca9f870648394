// The errors of invitations, password resets and password changes: clear words, the API's usual shape.
import { CustodianError } from "../core/errors.ts";

export const invitationErrors = {
  alreadyMember: () =>
    new CustodianError("Someone with this email is already a member of the organisation.", {
      status: 409,
      type: "invalid_request_error",
      code: "already_member",
      param: "email",
    }),
  alreadyInvited: () =>
    new CustodianError("This email already has a pending invitation: revoke it first to send a new one.", {
      status: 409,
      type: "invalid_request_error",
      code: "already_invited",
      param: "email",
    }),
  ownerExists: () =>
    new CustodianError("A user with this email already exists in the organisation.", {
      status: 409,
      type: "invalid_request_error",
      code: "already_member",
      param: "email",
    }),
  ssoEnforced: () =>
    new CustodianError(
      "Addresses at this domain sign in through single sign-on, so they have no password here.",
      { status: 409, type: "invalid_request_error", code: "sso_enforced", param: "email" },
    ),
  /** One answer for an unknown, expired, used or revoked link: a link holder learns nothing more. */
  linkInvalid: () =>
    new CustodianError(
      "This link is no longer valid: it may have expired, been used already or been revoked. Ask an administrator for a new one.",
      { status: 404, type: "not_found_error", code: "link_invalid" },
    ),
  roleAboveYours: (role: string) =>
    new CustodianError(`You cannot invite someone as '${role}': that role can do more than yours.`, {
      status: 403,
      type: "permission_error",
      code: "role_above_yours",
      param: "role",
    }),
  wrongPassword: () =>
    new CustodianError("Your current password is not correct.", {
      status: 403,
      type: "permission_error",
      code: "wrong_password",
      param: "current_password",
    }),
  noPassword: () =>
    new CustodianError("This account signs in through single sign-on and has no password to change.", {
      status: 409,
      type: "invalid_request_error",
      code: "no_password",
    }),
  weakPassword: () =>
    new CustodianError("A password must be 12 to 1024 characters.", {
      status: 400,
      type: "invalid_request_error",
      code: "invalid_request",
      param: "password",
    }),
  userDisabled: () =>
    new CustodianError("This member is disabled: enable them before resetting their password.", {
      status: 409,
      type: "invalid_request_error",
      code: "user_disabled",
    }),
  mailFailed: () =>
    new CustodianError("The email could not be sent: check the SMTP settings, or share the link instead.", {
      status: 502,
      type: "server_error",
      code: "mail_failed",
    }),
} as const;

/** A new password's rule, the bootstrap owner's: 12 to 1024 characters. */
export function requireAcceptablePassword(password: string): void {
  if (password.length < 12 || password.length > 1024) throw invitationErrors.weakPassword();
}
