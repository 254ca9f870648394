// Admin operations for OIDC connections, SCIM tokens and email domains, shared by the CLI and the
// admin socket through identity-operations.ts.
import { errors } from "../core/errors.ts";
import {
  optionalText,
  requiredText,
  type Operation,
  type OperationInput as Input,
} from "../core/operation-input.ts";
import type { EmailDomain } from "./domain-routing-service.ts";
import type { IdentityServices } from "./identity-services.ts";
import { summarize } from "./oidc/oidc-connection-service.ts";

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

export function ssoProvisioningOperations(
  identity: IdentityServices,
  checkOrganization: (organizationId: string) => Promise<unknown>,
  actor: string,
): Record<string, Operation> {
  const organization = async (input: Input) => {
    const organizationId = requiredText(input, "organization");
    await checkOrganization(organizationId);
    return organizationId;
  };
  return {
    async setOidcConnection(input) {
      const organizationId = await organization(input);
      const secret = optionalText(input, "client_secret");
      const scopes = optionalText(input, "scopes");
      const emailClaim = optionalText(input, "email_claim");
      const nameClaim = optionalText(input, "name_claim");
      const connection = await identity.oidcConnections.set({
        organizationId,
        baseUrl: requiredText(input, "base_url"),
        issuer: requiredText(input, "issuer"),
        clientId: requiredText(input, "client_id"),
        ...(secret ? { clientSecret: secret } : {}),
        ...(scopes ? { scopes: scopes.split(/[\s,]+/).filter(Boolean) } : {}),
        ...(emailClaim ? { emailClaim } : {}),
        ...(nameClaim ? { nameClaim } : {}),
        actor,
      });
      return oidcView(connection);
    },
    async showOidcConnection(input) {
      return oidcView(summarize(await identity.oidcConnections.get(requiredText(input, "organization"))));
    },
    async deleteOidcConnection(input) {
      const organizationId = requiredText(input, "organization");
      await identity.oidcConnections.remove(organizationId, actor);
      return { organization: organizationId, deleted: true };
    },
    async claimDomain(input) {
      const organizationId = await organization(input);
      return domainView(await identity.domains.claim(organizationId, requiredText(input, "domain"), actor));
    },
    async verifyDomain(input) {
      const organizationId = await organization(input);
      const domain = requiredText(input, "domain");
      const reason = optionalText(input, "reason");
      return domainView(
        reason
          ? await identity.domains.markVerified(organizationId, domain, reason, actor)
          : await identity.domains.verify(organizationId, domain, actor),
      );
    },
    async enforceDomainSso(input) {
      const organizationId = await organization(input);
      const enforce = input.enforce;
      if (typeof enforce !== "boolean")
        throw errors.invalidRequest("'enforce' must be true or false.", "enforce");
      return domainView(
        await identity.domains.setEnforceSso(organizationId, requiredText(input, "domain"), enforce, actor),
      );
    },
    async listDomains(input) {
      return (await identity.domains.list(await organization(input))).map(domainView);
    },
    async removeDomain(input) {
      const organizationId = await organization(input);
      const domain = requiredText(input, "domain");
      await identity.domains.remove(organizationId, domain, actor);
      return { organization: organizationId, domain, removed: true };
    },
    /** The token is shown once; the IdP is given it with the SCIM base URL (<base URL>/scim/v2). */
    async createScimToken(input) {
      const organizationId = await organization(input);
      const created = await identity.scimTokens.create(organizationId, actor);
      return { id: created.id, organization: organizationId, token: created.token, path: "/scim/v2" };
    },
    async listScimTokens(input) {
      return (await identity.scimTokens.list(await organization(input))).map((token) => ({
        id: token.id,
        created_at: token.createdAt.toISOString(),
        revoked_at: token.revokedAt?.toISOString() ?? null,
      }));
    },
    async revokeScimToken(input) {
      const organizationId = requiredText(input, "organization");
      const id = requiredText(input, "id");
      await identity.scimTokens.revoke(organizationId, id, actor);
      return { id, revoked: true };
    },
  };
}

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
