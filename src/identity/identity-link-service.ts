// An admin's explicit, audited link of an SSO identity (a SAML NameID or an OIDC subject) to an existing
// user: the only way an identity reaches a user who already has a password or another identity, since
// sign-in never links one by email to such a user (CTL-1, CTL-4). An identity bound to a user never
// moves to another; the user's own earlier identity of that provider is replaced, and the user's
// sessions end at once.
import type { AuditLog } from "../audit/audit-log.ts";
import { CustodianError, errors } from "../core/errors.ts";
import type { Db } from "../db/database.ts";
import type { SessionService } from "./session-service.ts";
import "./identity-tables.ts";

export type SsoProvider = "saml" | "oidc";

export const identityLinkErrors = {
  boundElsewhere: () =>
    new CustodianError("This identity is already linked to another user; it never moves.", {
      status: 409,
      type: "invalid_request_error",
      code: "identity_already_linked",
      param: "external_id",
    }),
  ownerOnly: (what: string) =>
    new CustodianError(`Only an owner may ${what}.`, {
      status: 403,
      type: "permission_error",
      code: "owner_only",
    }),
} as const;

export class IdentityLinkService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #sessions: SessionService;

  constructor(dependencies: { db: Db; audit: AuditLog; sessions: SessionService }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#sessions = dependencies.sessions;
  }

  /** Bind the identity to the user; answers whether it replaced an earlier identity of that provider. */
  async link(input: {
    organizationId: string;
    userId: string;
    provider: SsoProvider;
    externalId: string;
    actor: string;
  }): Promise<{ replaced: boolean; sessionsEnded: number }> {
    const { organizationId, userId, provider, externalId } = input;
    const user = await this.#db
      .selectFrom("users")
      .select("id")
      .where("organization_id", "=", organizationId)
      .where("id", "=", userId)
      .executeTakeFirst();
    if (!user) throw errors.notFound("user", userId);
    const replaced = await this.#db.transaction().execute(async (transaction) => {
      const bound = await transaction
        .selectFrom("user_external_ids")
        .select("user_id")
        .where("organization_id", "=", organizationId)
        .where("provider", "=", provider)
        .where("external_id", "=", externalId)
        .executeTakeFirst();
      if (bound && bound.user_id !== userId) throw identityLinkErrors.boundElsewhere();
      if (bound) return false;
      const removed = await transaction
        .deleteFrom("user_external_ids")
        .where("organization_id", "=", organizationId)
        .where("provider", "=", provider)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      await transaction
        .insertInto("user_external_ids")
        .values({ organization_id: organizationId, provider, external_id: externalId, user_id: userId })
        .execute();
      return Number(removed.numDeletedRows) > 0;
    });
    // The identity itself is personal data (often an email): the audit entry names only its kind.
    await this.#audit.append({
      actor: input.actor,
      action: "user.identity_linked",
      target: userId,
      organizationId,
      metadata: { provider, replaced },
    });
    const sessionsEnded = await this.#sessions.revokeAllForUser(organizationId, userId, input.actor);
    return { replaced, sessionsEnded };
  }
}
