// The identity domain's administrative operations: SAML connections and the bootstrap owner here;
// OIDC, email domains and SCIM tokens in sso-provisioning-operations.ts; API keys in api-key-operations.ts.
import { Type } from "@sinclair/typebox";
import { randomToken } from "../core/ids.ts";
import { defineOperation, installationOnly, OrganizationId } from "../core/operation.ts";
import { identityErrors } from "./identity-errors.ts";
import { invitationErrors } from "./invitation-errors.ts";
import type { IdentityServices } from "./identity-services.ts";
import { summarize } from "./saml/saml-connection-service.ts";
import { ssoProvisioningOperations } from "./sso-provisioning-operations.ts";

/** What the identity operations use: the identity services, and tenancy to check an organisation exists. */
export interface IdentityOperationServices {
  identity: IdentityServices;
  tenancy: { getOrganization(organizationId: string): Promise<unknown> };
}

const operation = defineOperation<IdentityOperationServices>();

const SamlConnectionView = Type.Object({
  organization: Type.String(),
  sp_entity_id: Type.String(),
  acs_url: Type.String(),
  idp_entity_id: Type.String(),
  idp_sso_url: Type.String(),
  idp_certificates: Type.Integer(),
  email_attribute: Type.String(),
  name_attribute: Type.String(),
  idp_initiated: Type.Boolean(),
  allow_sha1: Type.Boolean(),
});

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
    allow_sha1: connection.allowSha1,
  };
}

export const identityOperations = {
  ...ssoProvisioningOperations,
  setSamlConnection: operation({
    description:
      "connect an organisation to its SAML IdP (its metadata XML); base URL = where users reach Custodian",
    permission: installationOnly,
    input: Type.Object({
      organization: OrganizationId,
      metadata: Type.String({ minLength: 1 }),
      base_url: Type.String({ minLength: 1, title: "URL" }),
      email_attribute: Type.Optional(Type.String({ minLength: 1, title: "ATTRIBUTE" })),
      name_attribute: Type.Optional(Type.String({ minLength: 1, title: "ATTRIBUTE" })),
      idp_initiated: Type.Optional(Type.Boolean()),
      /** Accept RSA-SHA1 signatures and SHA-1 digests from this IdP (refused unless turned on). */
      allow_sha1: Type.Optional(Type.Boolean()),
    }),
    output: SamlConnectionView,
    async run({ identity, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      const connection = await identity.samlConnections.set({
        organizationId: input.organization,
        metadataXml: input.metadata,
        baseUrl: input.base_url,
        ...(input.email_attribute ? { emailAttribute: input.email_attribute } : {}),
        ...(input.name_attribute ? { nameAttribute: input.name_attribute } : {}),
        ...(input.idp_initiated !== undefined ? { allowIdpInitiated: input.idp_initiated } : {}),
        ...(input.allow_sha1 !== undefined ? { allowSha1: input.allow_sha1 } : {}),
        actor: caller.actor,
      });
      return connectionView(connection);
    },
  }),
  showSamlConnection: operation({
    description: "the SP's entity id and ACS URL, and the IdP's settings",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId }),
    output: SamlConnectionView,
    async run({ identity }, input) {
      return connectionView(summarize(await identity.samlConnections.get(input.organization)));
    },
  }),
  deleteSamlConnection: operation({
    description: "remove the organisation's SAML connection",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Object({ organization: Type.String(), deleted: Type.Literal(true) }),
    async run({ identity }, input, caller) {
      await identity.samlConnections.remove(input.organization, caller.actor);
      return { organization: input.organization, deleted: true as const };
    },
  }),
  createOwner: operation({
    description: "the local bootstrap owner; its password is shown once",
    permission: installationOnly,
    input: Type.Object({
      organization: OrganizationId,
      email: Type.String({ minLength: 1 }),
      name: Type.Optional(Type.String({ minLength: 1 })),
    }),
    output: Type.Object({
      id: Type.String(),
      organization: Type.String(),
      email: Type.String(),
      password: Type.String(),
    }),
    async run({ identity, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      const password = randomToken(24);
      const user = await identity.users
        .createLocalOwner({
          organizationId: input.organization,
          email: input.email,
          ...(input.name ? { displayName: input.name } : {}),
          password,
          actor: caller.actor,
        })
        .catch((error: unknown) => {
          // Run twice, or for someone already there: a clear 409, not a duplicate key's 500.
          if ((error as { code?: unknown }).code === "23505") throw invitationErrors.ownerExists();
          throw error;
        });
      return { id: user.id, organization: input.organization, email: user.email, password };
    },
  }),
  disableLocalSignIn: operation({
    description: "end password sign-in once SSO works (needs an SSO connection); password sessions end",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Object({
      organization: Type.String(),
      users: Type.Integer(),
      sessions_revoked: Type.Integer(),
    }),
    async run({ identity }, input, caller) {
      const organizationId = input.organization;
      const hasSso =
        (await identity.samlConnections.find(organizationId)) !== null ||
        (await identity.oidcConnections.exists(organizationId));
      if (!hasSso) throw identityErrors.ssoRequired();
      const users = await identity.users.disablePasswords(organizationId, caller.actor);
      let sessions = 0;
      for (const userId of users) {
        sessions += await identity.sessions.revokeAllForUser(
          organizationId,
          userId,
          caller.actor,
          "password",
        );
      }
      return { organization: organizationId, users: users.length, sessions_revoked: sessions };
    },
  }),
};
