// Sign-in with the local bootstrap password: checks it, audits success and failure, opens a session.
import type { AuditLog } from "../audit/audit-log.ts";
import { identityErrors } from "./identity-errors.ts";
import type { NewSession, SessionService } from "./session-service.ts";
import type { User, UserService } from "./user-service.ts";

export class PasswordLoginService {
  readonly #audit: AuditLog;
  readonly #users: UserService;
  readonly #sessions: SessionService;

  constructor(dependencies: { audit: AuditLog; users: UserService; sessions: SessionService }) {
    this.#audit = dependencies.audit;
    this.#users = dependencies.users;
    this.#sessions = dependencies.sessions;
  }

  async signIn(input: {
    organizationId: string;
    email: string;
    password: string;
  }): Promise<{ user: User; session: NewSession }> {
    const user = await this.#users.checkPassword(input.organizationId, input.email, input.password);
    if (!user) {
      await this.#audit.append({
        actor: "anonymous",
        action: "sign_in.failed",
        target: null,
        organizationId: input.organizationId,
        // One reason for unknown user, wrong password, disabled user or disabled password: the audit
        // trail must not become an oracle either.
        metadata: { method: "password", reason: "bad_credentials" },
      });
      throw identityErrors.signInFailed();
    }
    const session = await this.#sessions.create({
      organizationId: input.organizationId,
      userId: user.id,
      method: "password",
    });
    await this.#audit.append({
      actor: user.id,
      action: "sign_in.succeeded",
      target: session.id,
      organizationId: input.organizationId,
      metadata: { method: "password" },
    });
    return { user, session };
  }
}
