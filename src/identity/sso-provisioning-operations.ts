// Administrative operations for OIDC connections, verified email domains and SCIM tokens (the SCIM
// token operations serve the admin console's routes too); part of identity-operations.ts.
import { Type } from "@sinclair/typebox";
import {
  defineOperation,
  installationOnly,
  OrganizationId,
  type OperationCaller,
} from "../core/operation.ts";
import type { EmailDomain } from "./domain-routing-service.ts";
import { identityLinkErrors } from "./identity-link-service.ts";
import type { IdentityOperationServices } from "./identity-operations.ts";
import type { IdentityServices } from "./identity-services.ts";
import { ownerRole } from "./user-service.ts";
import { summarize } from "./oidc/oidc-connection-service.ts";

const operation = defineOperation<IdentityOperationServices>();

const Domain = Type.String({ minLength: 1, maxLength: 253 });

const DomainView = Type.Object({
  organization: Type.String(),
  domain: Type.String(),
  verified: Type.Boolean(),
  verification_method: Type.Union([Type.String(), Type.Null()]),
  enforce_sso: Type.Boolean(),
  txt_record: Type.Object({ name: Type.String(), value: Type.String() }),
});

function domainView(domain: EmailDomain) {
  return {
    organization: domain.organizationId,
    domain: domain.domain,
    verified: domain.verified,
    verification_method: domain.verificationMethod,
    enforce_sso: domain.enforceSso,
    txt_record: domain.record,
  };
}

const OidcView = Type.Object({
  organization: Type.String(),
  issuer: Type.String(),
  client_id: Type.String(),
  redirect_uri: Type.String(),
  scopes: Type.String(),
  email_claim: Type.String(),
  name_claim: Type.String(),
});

function oidcView(connection: ReturnType<typeof summarize>) {
  return {
    organization: connection.organizationId,
    issuer: connection.issuer,
    client_id: connection.clientId,
    redirect_uri: connection.redirectUri,
    scopes: connection.scopes.join(" "),
    email_claim: connection.emailClaim,
    name_claim: connection.nameClaim,
  };
}

const ScimTokenView = Type.Object({
  id: Type.String(),
  created_at: Type.String(),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
});

/**
 * Over HTTP, only an owner of the organisation may run it (the CLI acts for the installation): a SCIM
 * token or an identity link can hand any account, the owner's included, to whoever holds it.
 */
async function requireOwner(
  identity: IdentityServices,
  caller: OperationCaller,
  what: string,
): Promise<void> {
  if (!caller.member) return;
  const roles = await identity.users.rolesOf(caller.member.organizationId, caller.member.userId);
  if (!roles.includes(ownerRole)) throw identityLinkErrors.ownerOnly(what);
}

export const ssoProvisioningOperations = {
  setOidcConnection: operation({
    description:
      "connect an organisation to its OpenID provider (the client secret is kept when not given on an update)",
    permission: installationOnly,
    input: Type.Object({
      organization: OrganizationId,
      issuer: Type.String({ minLength: 1, title: "URL" }),
      client_id: Type.String({ minLength: 1, title: "ID" }),
      client_secret: Type.Optional(Type.String({ minLength: 1 })),
      base_url: Type.String({ minLength: 1, title: "URL" }),
      scopes: Type.Optional(Type.String({ minLength: 1, title: '"email profile"' })),
      email_claim: Type.Optional(Type.String({ minLength: 1, title: "CLAIM" })),
      name_claim: Type.Optional(Type.String({ minLength: 1, title: "CLAIM" })),
    }),
    output: OidcView,
    async run({ identity, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      const connection = await identity.oidcConnections.set({
        organizationId: input.organization,
        baseUrl: input.base_url,
        issuer: input.issuer,
        clientId: input.client_id,
        ...(input.client_secret ? { clientSecret: input.client_secret } : {}),
        ...(input.scopes ? { scopes: input.scopes.split(/[\s,]+/).filter(Boolean) } : {}),
        ...(input.email_claim ? { emailClaim: input.email_claim } : {}),
        ...(input.name_claim ? { nameClaim: input.name_claim } : {}),
        actor: caller.actor,
      });
      return oidcView(connection);
    },
  }),
  showOidcConnection: operation({
    description: "the redirect URI and the OpenID provider's settings",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId }),
    output: OidcView,
    async run({ identity }, input) {
      return oidcView(summarize(await identity.oidcConnections.get(input.organization)));
    },
  }),
  deleteOidcConnection: operation({
    description: "remove the organisation's OIDC connection",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Object({ organization: Type.String(), deleted: Type.Literal(true) }),
    async run({ identity }, input, caller) {
      await identity.oidcConnections.remove(input.organization, caller.actor);
      return { organization: input.organization, deleted: true as const };
    },
  }),
  claimDomain: operation({
    description: "claim an email domain; answers with the TXT record to publish",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId, domain: Domain }),
    output: DomainView,
    async run({ identity, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      return domainView(await identity.domains.claim(input.organization, input.domain, caller.actor));
    },
  }),
  verifyDomain: operation({
    description: "check the published record, or vouch for the domain by hand with a reason",
    permission: installationOnly,
    input: Type.Object({
      organization: OrganizationId,
      domain: Domain,
      reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, title: "TEXT" })),
    }),
    output: DomainView,
    async run({ identity, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      return domainView(
        input.reason
          ? await identity.domains.markVerified(input.organization, input.domain, input.reason, caller.actor)
          : await identity.domains.verify(input.organization, input.domain, caller.actor),
      );
    },
  }),
  enforceDomainSso: operation({
    description: "refuse password sign-in for the domain's users (or allow it again)",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId, domain: Domain, enforce: Type.Boolean() }),
    output: DomainView,
    async run({ identity, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      return domainView(
        await identity.domains.setEnforceSso(input.organization, input.domain, input.enforce, caller.actor),
      );
    },
  }),
  listDomains: operation({
    description: "the organisation's email domains",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Array(DomainView),
    async run({ identity, tenancy }, input) {
      await tenancy.getOrganization(input.organization);
      return (await identity.domains.list(input.organization)).map(domainView);
    },
  }),
  removeDomain: operation({
    description: "remove an email domain",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId, domain: Domain }),
    output: Type.Object({ organization: Type.String(), domain: Type.String(), removed: Type.Literal(true) }),
    async run({ identity, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      await identity.domains.remove(input.organization, input.domain, caller.actor);
      return { organization: input.organization, domain: input.domain, removed: true as const };
    },
  }),
  /** The token is shown once; the IdP is given it with the SCIM base URL (<base URL>/scim/v2). */
  createScimToken: operation({
    description: "a SCIM bearer token for the organisation (shown once)",
    // A SCIM token provisions, renames and removes members: the permission to manage them, held by
    // an owner (an admin holding it could rename a member and sign in as them through the IdP).
    permission: "members.write",
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Object({
      id: Type.String(),
      organization: Type.String(),
      token: Type.String(),
      path: Type.String(),
    }),
    async run({ identity, tenancy }, input, caller) {
      await requireOwner(identity, caller, "create SCIM tokens");
      await tenancy.getOrganization(input.organization);
      const created = await identity.scimTokens.create(input.organization, caller.actor);
      return { id: created.id, organization: input.organization, token: created.token, path: "/scim/v2" };
    },
  }),
  listScimTokens: operation({
    description: "the organisation's SCIM tokens",
    permission: "members.read",
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Array(ScimTokenView),
    async run({ identity, tenancy }, input) {
      await tenancy.getOrganization(input.organization);
      return (await identity.scimTokens.list(input.organization)).map((token) => ({
        id: token.id,
        created_at: token.createdAt.toISOString(),
        revoked_at: token.revokedAt?.toISOString() ?? null,
      }));
    },
  }),
  revokeScimToken: operation({
    description: "revoke a SCIM token",
    permission: "members.write",
    input: Type.Object({ organization: OrganizationId, id: Type.String({ minLength: 1, maxLength: 100 }) }),
    output: Type.Object({ id: Type.String(), revoked: Type.Literal(true) }),
    async run({ identity }, input, caller) {
      // Owner-only like making one: revoking cuts the organisation's provisioning.
      await requireOwner(identity, caller, "revoke SCIM tokens");
      await identity.scimTokens.revoke(input.organization, input.id, caller.actor);
      return { id: input.id, revoked: true as const };
    },
  }),
  /** The only way an identity reaches a user who has a password or another identity (CTL-1, CTL-4). */
  linkSsoIdentity: operation({
    description: "link a SAML NameID or OIDC subject to an existing user (audited; ends the user's sessions)",
    permission: "members.write",
    input: Type.Object({
      organization: OrganizationId,
      user: Type.String({ minLength: 1, maxLength: 100, title: "USER_ID" }),
      provider: Type.Union([Type.Literal("saml"), Type.Literal("oidc")]),
      /** The SAML NameID, or the OIDC subject (the organisation's issuer is added). */
      external_id: Type.String({ minLength: 1, maxLength: 900, title: "NAMEID_OR_SUBJECT" }),
    }),
    output: Type.Object({
      user: Type.String(),
      provider: Type.String(),
      replaced: Type.Boolean(),
      sessions_ended: Type.Integer(),
    }),
    async run({ identity, tenancy }, input, caller) {
      await requireOwner(identity, caller, "link an identity to a user");
      await tenancy.getOrganization(input.organization);
      const externalId =
        input.provider === "oidc"
          ? `${summarize(await identity.oidcConnections.get(input.organization)).issuer} ${input.external_id}`
          : input.external_id;
      const linked = await identity.identityLinks.link({
        organizationId: input.organization,
        userId: input.user,
        provider: input.provider,
        externalId: externalId.slice(0, 1000),
        actor: caller.actor,
      });
      return {
        user: input.user,
        provider: input.provider,
        replaced: linked.replaced,
        sessions_ended: linked.sessionsEnded,
      };
    },
  }),
};
