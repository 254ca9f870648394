// The identity module: users and workspaces, sessions, SAML and OIDC sign-in, SCIM provisioning, email
// domains and API keys, with their HTTP routes (/api/session, /sso, /scim/v2).
import { oidcRoutes } from "../../http/oidc-routes.ts";
import { scimRoutes } from "../../http/scim-routes.ts";
import { invitationRoutes } from "../../http/invitation-routes.ts";
import { sessionRoutes } from "../../http/session-routes.ts";
import { ssoRoutes } from "../../http/sso-routes.ts";
import { ApiKeyService } from "../../identity/api-key-service.ts";
import { apiKeyOperations } from "../../identity/api-key-operations.ts";
import { identityOperations } from "../../identity/identity-operations.ts";
import { createIdentityServices } from "../../identity/identity-services.ts";
import { defineModule } from "../module.ts";
import { createSmtpMailer } from "../../notify/smtp-mailer.ts";
import { tenancyModule } from "./tenancy-module.ts";

import { membersExportSection, workspacesExportSection } from "../../privacy/export-people-sections.ts";

export const identityModule = defineModule({
  name: "identity",
  needs: { tenancy: tenancyModule },
  // api_keys is among the foundation's first tables.
  migrations: ["0001-foundation", "0600-identity", "0610-sso-provisioning", "0960-invitations"],
  operations: { ...identityOperations, ...apiKeyOperations },
  create({ config, db, keyring, audit, gathered }, { tenancy }) {
    const mailer = config.smtpUrl
      ? createSmtpMailer({ url: config.smtpUrl, from: config.smtpFrom, caFile: config.smtpCaFile })
      : null;
    const apiKeys = new ApiKeyService({ db, audit, cacheMs: config.apiKeyCacheMs });
    // Deleting a user reaches the data other modules keep for them (the workspace's conversations).
    const identity = createIdentityServices({
      db,
      keyring,
      audit,
      apiKeys,
      onUserDeleted: gathered.userDeleted,
      links: {
        ttlMs: config.invitationTtlHours * 3_600_000,
        mailer,
        organizationName: async (id) => (await tenancy.getOrganization(id)).name,
      },
    });
    const secureCookies = !config.http;
    const { sessions, users, passwordLogin } = identity;
    return {
      exports: { ...identity, apiKeys },
      ...(mailer ? { close: async () => mailer.close() } : {}),
      exportSections: [
        workspacesExportSection(users),
        membersExportSection(users, (organizationId, userId) =>
          identity.scimGroups.groupsOf(organizationId, userId),
        ),
      ],
      routes: [
        {
          plugin: sessionRoutes({
            sessions,
            users,
            passwordLogin,
            emailSignIn: identity.emailSignIn,
            secureCookies,
          }),
        },
        {
          plugin: invitationRoutes({
            invitations: identity.invitations,
            passwordChange: identity.passwordChange,
            secureCookies,
          }),
        },
        { plugin: ssoRoutes({ saml: identity.samlLogin, secureCookies }) },
        { plugin: oidcRoutes({ oidc: identity.oidcLogin, domains: identity.domains, secureCookies }) },
        {
          plugin: scimRoutes({
            tokens: identity.scimTokens,
            users: identity.scimUsers,
            groups: identity.scimGroups,
          }),
          prefix: "/scim/v2",
        },
      ],
    };
  },
});
