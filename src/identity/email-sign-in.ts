// Password sign-in by email alone, with no organisation id to type: the organisations where the email
// has a password account are found here, and each is tried through its password sign-in (its checks,
// audit and throttling). When the password opens several, they are offered by name to choose from and
// no session stays. An unknown email fails exactly like a wrong password, so the answer never says who
// exists.
import { verifyPassword, decoyPasswordHash } from "./password-hash.ts";
import type { Db } from "../db/database.ts";
import { domainErrors } from "./domain-errors.ts";
import { identityErrors } from "./identity-errors.ts";
import type { NewSession, SessionService } from "./session-service.ts";
import { normalizeEmail, type User, type UserService } from "./user-service.ts";

export type EmailSignInResult =
  | { kind: "signed_in"; user: User; session: NewSession }
  | { kind: "choose"; organizations: Array<{ id: string; name: string }> };

type OrganizationSignIn = (input: {
  organizationId: string;
  email: string;
  password: string;
  /** The client's address, for the password sign-in's throttling. */
  clientAddress?: string;
}) => Promise<{ user: User; session: NewSession }>;

export class EmailSignIn {
  readonly #db: Db;
  readonly #users: UserService;
  readonly #sessions: Pick<SessionService, "revoke">;
  readonly #signIn: OrganizationSignIn;
  readonly #organizationName: (organizationId: string) => Promise<string>;
  readonly #requiresSso: (email: string) => Promise<boolean>;

  constructor(dependencies: {
    db: Db;
    users: UserService;
    sessions: Pick<SessionService, "revoke">;
    /** The password sign-in of one organisation (PasswordLoginService.signIn). */
    signIn: OrganizationSignIn;
    organizationName: (organizationId: string) => Promise<string>;
    /** An address whose domain enforces SSO is sent there, known or not (the answer is public). */
    requiresSso: (email: string) => Promise<boolean>;
  }) {
    this.#requiresSso = dependencies.requiresSso;
    this.#db = dependencies.db;
    this.#users = dependencies.users;
    this.#sessions = dependencies.sessions;
    this.#signIn = dependencies.signIn;
    this.#organizationName = dependencies.organizationName;
  }

  /** The organisations where this email has an active password account, oldest first. */
  async #candidates(email: string): Promise<string[]> {
    let normalized: string;
    try {
      normalized = normalizeEmail(email);
    } catch {
      return [];
    }
    const rows = await this.#db
      .selectFrom("users")
      .select("organization_id")
      .where("email", "=", normalized)
      .where("status", "=", "active")
      .where("password_hash", "is not", null)
      .orderBy("created_at")
      .limit(20)
      .execute();
    return rows.map((row) => row.organization_id);
  }

  async signIn(input: {
    email: string;
    password: string;
    clientAddress?: string;
  }): Promise<EmailSignInResult> {
    if (await this.#requiresSso(input.email)) throw domainErrors.ssoEnforced();
    const candidates = await this.#candidates(input.email);
    if (candidates.length === 0) {
      // As slow as a wrong password, then the same failure the password service gives.
      await verifyPassword(input.password, decoyPasswordHash);
      throw identityErrors.signInFailed();
    }
    // Every password check goes through an organisation's password sign-in, so its audit and
    // throttling see each guess; the first organisation where the password matches signs in.
    let failure: unknown = null;
    for (const [index, organizationId] of candidates.entries()) {
      let signedIn: { user: User; session: NewSession };
      try {
        signedIn = await this.#signIn({ organizationId, ...input });
      } catch (error) {
        // Only a wrong password moves on; a refusal (throttled, SSO enforced) answers as it is.
        if ((error as { code?: unknown }).code !== "sign_in_failed") throw error;
        failure = error;
        continue;
      }
      // The password is proven here; where else does the same password open an account?
      const others: string[] = [];
      for (const other of candidates.slice(index + 1))
        if (await this.#users.checkPassword(other, input.email, input.password)) others.push(other);
      if (others.length === 0) return { kind: "signed_in", ...signedIn };
      // Several: no session until the user picks one by name.
      await this.#endSession(signedIn.user, signedIn.session);
      const organizations = [];
      for (const id of [organizationId, ...others])
        organizations.push({ id, name: await this.#organizationName(id) });
      return { kind: "choose", organizations };
    }
    throw failure ?? identityErrors.signInFailed();
  }

  async #endSession(user: User, session: NewSession): Promise<void> {
    const principal = {
      sessionId: session.id,
      userId: user.id,
      organizationId: user.organizationId,
      method: "password",
    };
    await this.#sessions.revoke(principal, user.id);
  }
}
