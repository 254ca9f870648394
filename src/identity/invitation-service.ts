// Invitations and password resets for people without an identity provider: one-time links whose
// tokens are stored only as hashes, used once, expiring (7 days unless configured), revocable, and
// sent by email when SMTP is configured. Redeeming one sets the person's password and signs them in.
import { randomToken } from "../core/ids.ts";
import { errors } from "../core/errors.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import type { AccountLinkPurpose } from "./account-link-tables.ts";
import {
  hashLinkToken as hash,
  linkColumns,
  toLink,
  linkPaths,
  type IssuedLink,
  type LinkMailer,
  type LinkRow,
  type AccountLink,
} from "./account-link.ts";
import { invitationErrors, requireAcceptablePassword } from "./invitation-errors.ts";
import { hashPassword } from "./password-hash.ts";
import type { NewSession, SessionService } from "./session-service.ts";
import { normalizeEmail, type User, type UserService } from "./user-service.ts";

export type { AccountLink, IssuedLink, LinkMailer };

export const defaultInvitationTtlMs = 7 * 24 * 60 * 60_000;

export class InvitationService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #users: UserService;
  readonly #sessions: SessionService;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #mailer: LinkMailer | null;
  readonly #requiresSso: (email: string) => Promise<boolean>;
  readonly #organizationName: (organizationId: string) => Promise<string>;

  constructor(dependencies: {
    db: Db;
    audit: AuditLog;
    users: UserService;
    sessions: SessionService;
    /** How long a link stays valid; 7 days unless configured. */
    ttlMs?: number;
    now?: () => number;
    mailer?: LinkMailer | null;
    /** Addresses whose domain enforces SSO get no password. */
    requiresSso?: (email: string) => Promise<boolean>;
    /** The organisation's name, for the email and the page the link opens. */
    organizationName?: (organizationId: string) => Promise<string>;
  }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#users = dependencies.users;
    this.#sessions = dependencies.sessions;
    this.#ttlMs = dependencies.ttlMs ?? defaultInvitationTtlMs;
    this.#now = dependencies.now ?? Date.now;
    this.#mailer = dependencies.mailer ?? null;
    this.#requiresSso = dependencies.requiresSso ?? (async () => false);
    this.#organizationName = dependencies.organizationName ?? (async (id) => id);
  }

  /** Whether links can be sent by email (SMTP is configured). */
  get canEmail(): boolean {
    return this.#mailer !== null;
  }

  #pending(organizationId: string, purpose: AccountLinkPurpose) {
    return this.#db
      .selectFrom("account_links")
      .select(linkColumns)
      .where("organization_id", "=", organizationId)
      .where("purpose", "=", purpose)
      .where("used_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", new Date(this.#now()));
  }

  async #issue(row: Omit<LinkRow, "id" | "created_at" | "expires_at">, base: string, email: boolean) {
    const token = randomToken(43);
    const now = this.#now();
    const values = {
      ...row,
      id: `inv_${randomToken(24)}`,
      token_hash: hash(token),
      expires_at: new Date(now + this.#ttlMs),
    };
    await this.#db.insertInto("account_links").values(values).execute();
    const link = toLink({ ...values, created_at: new Date(now) });
    // The token rides in the fragment, which browsers never send to a server or write in its logs.
    const url = `${base.replace(/\/$/, "")}${linkPaths[row.purpose]}#${token}`;
    let emailed = false;
    if (email && this.#mailer) {
      try {
        await this.#mailer.sendLink({
          to: row.email,
          purpose: row.purpose,
          organizationName: await this.#organizationName(row.organization_id),
          link: url,
          expiresAt: link.expiresAt,
        });
      } catch {
        // Nothing half-made: a link nobody received is no link.
        await this.#db.deleteFrom("account_links").where("id", "=", values.id).execute();
        throw invitationErrors.mailFailed();
      }
      emailed = true;
    }
    return { link, url, emailed };
  }

  /** Invite someone to a workspace with a role; the caller has checked the role is within their own. */
  async invite(input: {
    organizationId: string;
    workspaceId: string;
    email: string;
    role: string;
    actor: string;
    /** The origin links point to. */
    baseUrl: string;
    sendEmail: boolean;
  }): Promise<IssuedLink> {
    const email = normalizeEmail(input.email);
    if (await this.#requiresSso(email)) throw invitationErrors.ssoEnforced();
    const member = await this.#db
      .selectFrom("users")
      .select("id")
      .where("organization_id", "=", input.organizationId)
      .where("email", "=", email)
      .executeTakeFirst();
    if (member) throw invitationErrors.alreadyMember();
    const pending = await this.#pending(input.organizationId, "invite")
      .where("email", "=", email)
      .executeTakeFirst();
    if (pending) throw invitationErrors.alreadyInvited();
    const issued = await this.#issue(
      {
        organization_id: input.organizationId,
        purpose: "invite",
        email,
        workspace_id: input.workspaceId,
        role: input.role,
        user_id: null,
        created_by: input.actor,
      },
      input.baseUrl,
      input.sendEmail,
    );
    await this.#audit.append({
      actor: input.actor,
      action: "invitation.created",
      target: issued.link.id,
      organizationId: input.organizationId,
      metadata: { role: input.role, workspace: input.workspaceId, emailed: issued.emailed },
    });
    return issued;
  }

  /** A one-time link that sets a member's password; earlier pending resets of theirs stop working. */
  async reset(input: {
    organizationId: string;
    userId: string;
    actor: string;
    baseUrl: string;
    sendEmail: boolean;
  }): Promise<IssuedLink> {
    const user = await this.#users.get(input.organizationId, input.userId);
    if (user.status !== "active") throw invitationErrors.userDisabled();
    if (await this.#requiresSso(user.email)) throw invitationErrors.ssoEnforced();
    await this.#db
      .updateTable("account_links")
      .set({ revoked_at: new Date(this.#now()) })
      .where("organization_id", "=", input.organizationId)
      .where("purpose", "=", "reset")
      .where("user_id", "=", user.id)
      .where("used_at", "is", null)
      .where("revoked_at", "is", null)
      .execute();
    const issued = await this.#issue(
      {
        organization_id: input.organizationId,
        purpose: "reset",
        email: user.email,
        workspace_id: null,
        role: null,
        user_id: user.id,
        created_by: input.actor,
      },
      input.baseUrl,
      input.sendEmail,
    );
    await this.#audit.append({
      actor: input.actor,
      action: "password_reset.created",
      target: user.id,
      organizationId: input.organizationId,
      metadata: { link: issued.link.id, emailed: issued.emailed },
    });
    return issued;
  }

  /** The organisation's invitations nobody has used, revoked or let expire. */
  async listPending(organizationId: string): Promise<AccountLink[]> {
    const rows = await this.#pending(organizationId, "invite").orderBy("created_at", "desc").execute();
    return rows.map(toLink);
  }

  async revoke(organizationId: string, id: string, actor: string): Promise<void> {
    const result = await this.#db
      .updateTable("account_links")
      .set({ revoked_at: new Date(this.#now()) })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("used_at", "is", null)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw errors.notFound("invitation", id);
    await this.#audit.append({ actor, action: "invitation.revoked", target: id, organizationId });
  }

  /** What the page a link opens shows before the password is set. */
  async preview(token: string): Promise<AccountLink & { organizationName: string }> {
    const row = await this.#valid(token);
    return { ...toLink(row), organizationName: await this.#organizationName(row.organization_id) };
  }

  async #valid(token: string): Promise<LinkRow> {
    if (token.length === 0 || token.length > 100) throw invitationErrors.linkInvalid();
    const row = await this.#db
      .selectFrom("account_links")
      .select(linkColumns)
      .where("token_hash", "=", hash(token))
      .where("used_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", new Date(this.#now()))
      .executeTakeFirst();
    if (!row) throw invitationErrors.linkInvalid();
    return row;
  }

  /**
   * Use a link once: an invitation makes the member with this password, a reset sets it and ends the
   * member's other sessions; either signs them in. The link is claimed in the same transaction as the
   * change, so two browsers racing with one link cannot both succeed.
   */
  async redeem(input: {
    token: string;
    password: string;
    displayName?: string;
  }): Promise<{ user: User; session: NewSession; purpose: AccountLinkPurpose }> {
    requireAcceptablePassword(input.password);
    await this.#valid(input.token);
    const passwordHash = await hashPassword(input.password);
    const now = new Date(this.#now());
    const newUserId = `user_${randomToken(24)}`;
    const claimed = await this.#db.transaction().execute(async (transaction) => {
      const row = await transaction
        .updateTable("account_links")
        .set({ used_at: now })
        .where("token_hash", "=", hash(input.token))
        .where("used_at", "is", null)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .returning(linkColumns)
        .executeTakeFirst();
      if (!row) throw invitationErrors.linkInvalid();
      if (row.purpose === "reset") {
        const updated = await transaction
          .updateTable("users")
          .set({ password_hash: passwordHash, updated_at: now })
          .where("organization_id", "=", row.organization_id)
          .where("id", "=", row.user_id ?? "")
          .where("status", "=", "active")
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) throw invitationErrors.linkInvalid();
        return { row, userId: row.user_id ?? "" };
      }
      const inserted = await transaction
        .insertInto("users")
        .values({
          id: newUserId,
          organization_id: row.organization_id,
          email: row.email,
          display_name: (input.displayName ?? "").trim().slice(0, 200) || row.email,
          password_hash: passwordHash,
        })
        .onConflict((conflict) => conflict.columns(["organization_id", "email"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      // Someone with this email joined another way (SSO, SCIM) since the invitation was sent.
      if (!inserted) throw invitationErrors.alreadyMember();
      await transaction
        .insertInto("memberships")
        .values({
          workspace_id: row.workspace_id ?? "",
          user_id: newUserId,
          organization_id: row.organization_id,
          role: row.role ?? "member",
        })
        .execute();
      await transaction
        .updateTable("account_links")
        .set({ user_id: newUserId })
        .where("id", "=", row.id)
        .execute();
      return { row, userId: newUserId };
    });
    const { row, userId } = claimed;
    const organizationId = row.organization_id;
    if (row.purpose === "reset") {
      await this.#sessions.revokeAllForUser(organizationId, userId, userId);
      await this.#audit.append({
        actor: userId,
        action: "password_reset.completed",
        target: userId,
        organizationId,
        metadata: { link: row.id },
      });
    } else {
      await this.#audit.append({
        actor: userId,
        action: "invitation.accepted",
        target: row.id,
        organizationId,
        metadata: { role: row.role ?? "member", workspace: row.workspace_id ?? "" },
      });
      await this.#audit.append({
        actor: row.created_by,
        action: "user.created",
        target: userId,
        organizationId,
        metadata: { source: "invitation", role: row.role ?? "member", workspace: row.workspace_id ?? "" },
      });
    }
    const user = await this.#users.get(organizationId, userId);
    const session = await this.#sessions.create({ organizationId, userId, method: "password" });
    await this.#audit.append({
      actor: userId,
      action: "sign_in.succeeded",
      target: session.id,
      organizationId,
      metadata: { method: row.purpose === "invite" ? "invitation" : "password_reset" },
    });
    return { user, session, purpose: row.purpose };
  }
}
