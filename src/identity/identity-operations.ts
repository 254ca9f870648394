// The identity domain's admin operations (SAML connections, the bootstrap owner), shared by the CLI
// and the admin socket through platform/operations.ts.
import { randomToken } from "../core/ids.ts";
import { identityErrors } from "./identity-errors.ts";
import { optionalFlag, optionalText, requiredText, type Operation } from "../core/operation-input.ts";
import type { IdentityServices } from "./identity-services.ts";
import { summarize } from "./saml/saml-connection-service.ts";
import { ssoProvisioningOperations } from "./sso-provisioning-operations.ts";

function connectionView(connection: ReturnType<typeof summarize>) {
  return {
    organization: connection.organizationId,
    sp_entity_id: connection.spEntityId,
    acs_url: connection.acsUrl,
    idp_entity_id: connection.idpEntityId,
    idp_sso_url: connection.idpSsoUrl,
    idp_certificates: connection.idpCertificateCount,
    email_attribute: connection.emailAttribute,
    name_attribute: connection.nameAttribute,
    idp_initiated: connection.allowIdpInitiated,
  };
}

export function identityOperations(
  identity: IdentityServices,
  checkOrganization: (organizationId: string) => Promise<unknown>,
  actor: string,
): Record<string, Operation> {
  return {
    // OIDC connections, verified email domains and SCIM tokens.
    ...ssoProvisioningOperations(identity, checkOrganization, actor),
    async setSamlConnection(input) {
      const organizationId = requiredText(input, "organization");
      await checkOrganization(organizationId);
      const emailAttribute = optionalText(input, "email_attribute");
      const nameAttribute = optionalText(input, "name_attribute");
      const allowIdpInitiated = optionalFlag(input, "idp_initiated");
      const connection = await identity.samlConnections.set({
        organizationId,
        metadataXml: requiredText(input, "metadata"),
        baseUrl: requiredText(input, "base_url"),
        ...(emailAttribute ? { emailAttribute } : {}),
        ...(nameAttribute ? { nameAttribute } : {}),
        ...(allowIdpInitiated !== undefined ? { allowIdpInitiated } : {}),
        actor,
      });
      return connectionView(connection);
    },
    async showSamlConnection(input) {
      const organizationId = requiredText(input, "organization");
      return connectionView(summarize(await identity.samlConnections.get(organizationId)));
    },
    async deleteSamlConnection(input) {
      const organizationId = requiredText(input, "organization");
      await identity.samlConnections.remove(organizationId, actor);
      return { organization: organizationId, deleted: true };
    },
    /** The local bootstrap owner; the generated password is shown once. */
    async createOwner(input) {
      const organizationId = requiredText(input, "organization");
      await checkOrganization(organizationId);
      const password = randomToken(24);
      const name = optionalText(input, "name");
      const user = await identity.users.createLocalOwner({
        organizationId,
        email: requiredText(input, "email"),
        ...(name ? { displayName: name } : {}),
        password,
        actor,
      });
      return { id: user.id, organization: organizationId, email: user.email, password };
    },
    /** Once SSO works: no more password sign-in in this organisation, and password sessions end. */
    async disableLocalSignIn(input) {
      const organizationId = requiredText(input, "organization");
      const hasSso =
        (await identity.samlConnections.find(organizationId)) !== null ||
        (await identity.oidcConnections.exists(organizationId));
      if (!hasSso) throw identityErrors.ssoRequired();
      const users = await identity.users.disablePasswords(organizationId, actor);
      let sessions = 0;
      for (const userId of users) {
        sessions += await identity.sessions.revokeAllForUser(organizationId, userId, actor, "password");
      }
      return { organization: organizationId, users: users.length, sessions_revoked: sessions };
    },
  };
}
