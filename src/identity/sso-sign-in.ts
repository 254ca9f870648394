// The end every SSO sign-in shares once the identity provider's answer is verified: provision the
// user (just in time), refuse a disabled one or an identity that may not be linked by email, open a
// session, and record the sign-in.
import type { AuditLog } from "../audit/audit-log.ts";
import type { NewSession, SessionService } from "./session-service.ts";
import { SsoLinkRefused } from "./identity-errors.ts";
import type { User, UserService } from "./user-service.ts";

export async function signInFromSso(
  services: { users: UserService; sessions: SessionService; audit: AuditLog },
  identity: {
    organizationId: string;
    provider: "saml" | "oidc";
    externalId: string;
    email: string;
    displayName?: string;
  },
  /** The protocol's own rejection ("user_disabled", "identity_link_required"), so its login path logs and audits it. */
  refuse: (reason: "user_disabled" | "identity_link_required") => Error,
): Promise<{ user: User; session: NewSession }> {
  const { organizationId, provider } = identity;
  let provisioned;
  try {
    provisioned = await services.users.provisionFromSso(identity);
  } catch (error) {
    throw error instanceof SsoLinkRefused ? refuse(error.reason) : error;
  }
  if (provisioned.user.status !== "active") throw refuse("user_disabled");
  const session = await services.sessions.create({
    organizationId,
    userId: provisioned.user.id,
    method: provider,
  });
  await services.audit.append({
    actor: provisioned.user.id,
    action: "sign_in.succeeded",
    target: session.id,
    organizationId,
    metadata: { method: provider, provisioned: provisioned.created },
  });
  return { user: provisioned.user, session };
}
