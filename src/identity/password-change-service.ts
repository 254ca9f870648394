// A member changes their own password: the current one is required, and every other session of theirs
// ends (the one that made the change stays). Audited without the passwords.
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { invitationErrors, requireAcceptablePassword } from "./invitation-errors.ts";
import { hashPassword } from "./password-hash.ts";
import type { SessionPrincipal } from "./session-service.ts";
import type { UserService } from "./user-service.ts";

export class PasswordChangeService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #users: UserService;

  constructor(dependencies: { db: Db; audit: AuditLog; users: UserService }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#users = dependencies.users;
  }

  async change(input: {
    principal: SessionPrincipal;
    currentPassword: string;
    newPassword: string;
  }): Promise<{ sessionsEnded: number }> {
    const { organizationId, userId, sessionId } = input.principal;
    requireAcceptablePassword(input.newPassword);
    const user = await this.#users.get(organizationId, userId);
    if (!user.hasPassword) throw invitationErrors.noPassword();
    const checked = await this.#users.checkPassword(organizationId, user.email, input.currentPassword);
    if (!checked || checked.id !== userId) {
      await this.#audit.append({
        actor: userId,
        action: "password.change_failed",
        target: userId,
        organizationId,
        metadata: { reason: "wrong_current_password" },
      });
      throw invitationErrors.wrongPassword();
    }
    const passwordHash = await hashPassword(input.newPassword);
    const now = new Date();
    const ended = await this.#db.transaction().execute(async (transaction) => {
      await transaction
        .updateTable("users")
        .set({ password_hash: passwordHash, updated_at: now })
        .where("organization_id", "=", organizationId)
        .where("id", "=", userId)
        .execute();
      const result = await transaction
        .updateTable("sessions")
        .set({ revoked_at: now })
        .where("organization_id", "=", organizationId)
        .where("user_id", "=", userId)
        .where("id", "!=", sessionId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
    await this.#audit.append({
      actor: userId,
      action: "password.changed",
      target: userId,
      organizationId,
      metadata: { other_sessions_ended: ended },
    });
    return { sessionsEnded: ended };
  }
}
