// Sign-in with the local bootstrap password: checks it, audits success and failure, opens a session.
// Failures are throttled per client address and per account (sign-in-throttle.ts): past the limit the
// password is not even checked.
import type { AuditLog } from "../audit/audit-log.ts";
import { domainErrors } from "./domain-errors.ts";
import { identityErrors } from "./identity-errors.ts";
import type { NewSession, SessionService } from "./session-service.ts";
import type { SignInThrottle } from "./sign-in-throttle.ts";
import type { User, UserService } from "./user-service.ts";

export class PasswordLoginService {
  readonly #audit: AuditLog;
  readonly #users: UserService;
  readonly #sessions: SessionService;
  readonly #domains: { requiresSso(email: string): Promise<boolean> } | null;
  readonly #throttle: SignInThrottle | null;

  constructor(dependencies: {
    audit: AuditLog;
    users: UserService;
    sessions: SessionService;
    /** Verified email domains; one with SSO enforced refuses password sign-in for its addresses. */
    domains?: { requiresSso(email: string): Promise<boolean> };
    throttle?: SignInThrottle;
  }) {
    this.#throttle = dependencies.throttle ?? null;
    this.#audit = dependencies.audit;
    this.#users = dependencies.users;
    this.#sessions = dependencies.sessions;
    this.#domains = dependencies.domains ?? null;
  }

  async signIn(input: {
    organizationId: string;
    email: string;
    password: string;
    /** The client's address; failures are throttled by it (and by account) when given. */
    clientAddress?: string;
  }): Promise<{ user: User; session: NewSession }> {
    const throttle = input.clientAddress === undefined ? null : this.#throttle;
    const subjects = throttle?.passwordSubjects(input.clientAddress!, input.organizationId, input.email);
    if (subjects) throttle!.check([subjects.address, subjects.account]);
    if (await this.#domains?.requiresSso(input.email)) {
      // Whether a domain enforces SSO is public (the sign-in page asks), so saying so leaks nothing.
      await this.#audit.append({
        actor: "anonymous",
        action: "sign_in.failed",
        target: null,
        organizationId: input.organizationId,
        metadata: { method: "password", reason: "sso_enforced" },
      });
      throw domainErrors.ssoEnforced();
    }
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
      const refusal = subjects
        ? await throttle!.failed([
            { subject: subjects.address, limit: "perAddress" },
            { subject: subjects.account, limit: "perAccount" },
          ])
        : null;
      if (refusal) {
        await this.#audit.append({
          actor: "anonymous",
          action: "sign_in.throttled",
          target: null,
          organizationId: input.organizationId,
          metadata: { method: "password" },
        });
        throw refusal;
      }
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
