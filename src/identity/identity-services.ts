// Builds the identity domain's services from the platform's shared parts, for the platform to hold.
import type { AuditLog } from "../audit/audit-log.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import { ApiKeyService } from "./api-key-service.ts";
import { EmailSignIn } from "./email-sign-in.ts";
import { InvitationService, type LinkMailer } from "./invitation-service.ts";
import { PasswordChangeService } from "./password-change-service.ts";
import { dnsTxtOwnershipCheck, type DomainOwnershipCheck } from "./domain-ownership-check.ts";
import { DomainRoutingService } from "./domain-routing-service.ts";
import { OidcConnectionService } from "./oidc/oidc-connection-service.ts";
import { OidcLoginService } from "./oidc/oidc-login-service.ts";
import { PasswordLoginService } from "./password-login-service.ts";
import { SamlConnectionService } from "./saml/saml-connection-service.ts";
import { SamlLoginService } from "./saml/saml-login-service.ts";
import { ScimGroupService } from "./scim/scim-group-service.ts";
import type { SignInThrottle } from "./sign-in-throttle.ts";
import { IdentityErasure } from "./identity-erasure.ts";
import { IdentityLinkService } from "./identity-link-service.ts";
import { ScimTokenService } from "./scim/scim-token-service.ts";
import { ScimUserService, type UserDeletionHook } from "./scim/scim-user-service.ts";
import { SessionService, type SessionTimeouts } from "./session-service.ts";
import { UserService } from "./user-service.ts";

export interface IdentityServices {
  users: UserService;
  sessions: SessionService;
  /** An admin's explicit link of an SSO identity to an existing user. */
  identityLinks: IdentityLinkService;
  passwordLogin: PasswordLoginService;
  samlConnections: SamlConnectionService;
  samlLogin: SamlLoginService;
  oidcConnections: OidcConnectionService;
  oidcLogin: OidcLoginService;
  /** Verified email domains: routing to an organisation's SSO, and enforced SSO. */
  domains: DomainRoutingService;
  scimTokens: ScimTokenService;
  scimUsers: ScimUserService;
  scimGroups: ScimGroupService;
  /** Rewrites the identity tables after a user is deleted; its periodic task is the module's. */
  erasure: IdentityErasure;
  /** Invitations and password resets by one-time link; a member's own password change; sign-in by email. */
  invitations: InvitationService;
  passwordChange: PasswordChangeService;
  emailSignIn: EmailSignIn;
}

export function createIdentityServices(dependencies: {
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  sessionTimeouts?: SessionTimeouts;
  /** The sessions' clock; tests move it to cross timeouts. */
  now?: () => number;
  /** The platform's API keys, so that deprovisioning a user disables its keys in the same cache. */
  apiKeys?: ApiKeyService;
  /** How a claimed email domain is checked; DNS TXT unless said otherwise. */
  domainCheck?: DomainOwnershipCheck;
  /**
   * Run when a user is deleted, before the user row goes: the domains that keep a user's data (the
   * workspace's conversations) contribute them, so deletion reaches their data too. Read at deletion time.
   */
  onUserDeleted?: readonly UserDeletionHook[];
  /** Throttles failed password sign-ins (the platform's API keys carry their own). */
  throttle?: SignInThrottle;
  /** Invitation and reset links: how long they last, how they are emailed, the organisations' names. */
  links?: { ttlMs?: number; mailer?: LinkMailer | null; organizationName?: (id: string) => Promise<string> };
}): IdentityServices {
  const { db, keyring, audit } = dependencies;
  const users = new UserService({ db, audit });
  const sessions = new SessionService({
    db,
    audit,
    ...(dependencies.sessionTimeouts ? { timeouts: dependencies.sessionTimeouts } : {}),
    ...(dependencies.now ? { now: dependencies.now } : {}),
  });
  const samlConnections = new SamlConnectionService({ db, keyring, audit });
  const oidcConnections = new OidcConnectionService({ db, keyring, audit });
  const domains = new DomainRoutingService({
    db,
    audit,
    check: dependencies.domainCheck ?? dnsTxtOwnershipCheck,
    async ssoProtocol(organizationId) {
      if (await oidcConnections.exists(organizationId)) return "oidc";
      return (await samlConnections.find(organizationId)) ? "saml" : null;
    },
  });
  const apiKeys = dependencies.apiKeys ?? new ApiKeyService({ db, audit });
  const passwordLogin = new PasswordLoginService({
    audit,
    users,
    sessions,
    domains,
    ...(dependencies.throttle ? { throttle: dependencies.throttle } : {}),
  });
  const links = dependencies.links ?? {};
  const organizationName = links.organizationName ?? (async (id: string) => id);
  const erasure = new IdentityErasure(db);
  return {
    users,
    sessions,
    identityLinks: new IdentityLinkService({ db, audit, sessions }),
    passwordLogin,
    invitations: new InvitationService({
      db,
      audit,
      users,
      sessions,
      ...(links.ttlMs ? { ttlMs: links.ttlMs } : {}),
      ...(dependencies.now ? { now: dependencies.now } : {}),
      mailer: links.mailer ?? null,
      requiresSso: (email) => domains.requiresSso(email),
      organizationName,
    }),
    passwordChange: new PasswordChangeService({ db, audit, users }),
    emailSignIn: new EmailSignIn({
      db,
      users,
      sessions,
      signIn: (input) => passwordLogin.signIn(input),
      organizationName,
      requiresSso: (email) => domains.requiresSso(email),
    }),
    samlConnections,
    samlLogin: new SamlLoginService({ db, audit, connections: samlConnections, users, sessions }),
    oidcConnections,
    oidcLogin: new OidcLoginService({ db, keyring, audit, connections: oidcConnections, users, sessions }),
    domains,
    scimTokens: new ScimTokenService({ db, audit }),
    scimUsers: new ScimUserService({
      db,
      audit,
      users,
      sessions,
      apiKeys,
      onUserDeleted: dependencies.onUserDeleted ?? [],
      erasure,
    }),
    scimGroups: new ScimGroupService({ db, audit }),
    erasure,
  };
}
