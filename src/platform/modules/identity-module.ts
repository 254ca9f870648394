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
import { SignInThrottle } from "../../identity/sign-in-throttle.ts";
import { PeriodicTask, purgeInterval } from "../../jobs/periodic-task.ts";
import { PostgresWindowCounters } from "../../usage/postgres-window-counters.ts";
import { openRedisCounters } from "../../usage/usage-module.ts";
import { defineModule } from "../module.ts";
import { createSmtpMailer } from "../../notify/smtp-mailer.ts";
import { tenancyModule } from "./tenancy-module.ts";

import { membersExportSection, workspacesExportSection } from "../../privacy/export-people-sections.ts";

export const identityModule = defineModule({
  name: "identity",
  needs: { tenancy: tenancyModule },
  // api_keys is among the foundation's first tables.
  migrations: [
    "0001-foundation",
    "0600-identity",
    "0610-sso-provisioning",
    "0960-invitations",
    "0980-saml-sha1-opt-in",
  ],
  operations: { ...identityOperations, ...apiKeyOperations },
  async create({ config, db, keyring, audit, logger, gathered }, { tenancy }) {
    const mailer = config.smtpUrl
      ? createSmtpMailer({ url: config.smtpUrl, from: config.smtpFrom, caFile: config.smtpCaFile })
      : null;
    // Failed sign-ins are counted where the usage domain counts its rate limits (Redis when configured,
    // else the database), so every node adds to one count.
    const redisCounters = await openRedisCounters(config.redis, logger);
    const throttle = new SignInThrottle({ counters: redisCounters ?? new PostgresWindowCounters(db) });
    const apiKeys = new ApiKeyService({ db, audit, cacheMs: config.apiKeyCacheMs, throttle });
    // Deleting a user reaches the data other modules keep for them (the workspace's conversations).
    const identity = createIdentityServices({
      db,
      keyring,
      audit,
      apiKeys,
      onUserDeleted: gathered.userDeleted,
      throttle,
      links: {
        ttlMs: config.invitationTtlHours * 3_600_000,
        mailer,
        organizationName: async (id) => (await tenancy.getOrganization(id)).name,
      },
    });
    const secureCookies = !config.http;
    const { sessions, users, passwordLogin } = identity;
    // A deleted user's email, name and external ids leave the database's files on the next turn.
    const erasureTask = new PeriodicTask({
      name: "identity.erasure",
      intervalMs: purgeInterval(config),
      db,
      logger,
      run: () => identity.erasure.run(),
    });
    return {
      exports: { ...identity, apiKeys },
      tasks: [erasureTask],
      close: async () => {
        await redisCounters?.close();
        await mailer?.close();
      },
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
            throttle,
          }),
          prefix: "/scim/v2",
        },
      ],
    };
  },
});
