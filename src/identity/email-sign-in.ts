// Password sign-in by email alone, with no organisation id to type: the organisations where the email
// has a password account are found here. One candidate signs in through the password service (its
// checks, audit and throttling); several whose password matches are offered by name to choose from.
// An unknown email fails exactly like a wrong password, so the answer never says who exists.
import { verifyPassword, decoyPasswordHash } from "./password-hash.ts";
import type { Db } from "../db/database.ts";
import { domainErrors } from "./domain-errors.ts";
import { identityErrors } from "./identity-errors.ts";
import type { NewSession } from "./session-service.ts";
import { normalizeEmail, type User, type UserService } from "./user-service.ts";

export type EmailSignInResult =
  | { kind: "signed_in"; user: User; session: NewSession }
  | { kind: "choose"; organizations: Array<{ id: string; name: string }> };

type OrganizationSignIn = (input: {
  organizationId: string;
  email: string;
  password: string;
}) => Promise<{ user: User; session: NewSession }>;

export class EmailSignIn {
  readonly #db: Db;
  readonly #users: UserService;
  readonly #signIn: OrganizationSignIn;
  readonly #organizationName: (organizationId: string) => Promise<string>;
  readonly #requiresSso: (email: string) => Promise<boolean>;

  constructor(dependencies: {
    db: Db;
    users: UserService;
    /** The password sign-in of one organisation (PasswordLoginService.signIn). */
    signIn: OrganizationSignIn;
    organizationName: (organizationId: string) => Promise<string>;
    /** An address whose domain enforces SSO is sent there, known or not (the answer is public). */
    requiresSso: (email: string) => Promise<boolean>;
  }) {
    this.#requiresSso = dependencies.requiresSso;
    this.#db = dependencies.db;
    this.#users = dependencies.users;
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

  async signIn(input: { email: string; password: string }): Promise<EmailSignInResult> {
    if (await this.#requiresSso(input.email)) throw domainErrors.ssoEnforced();
    const candidates = await this.#candidates(input.email);
    if (candidates.length === 0) {
      // As slow as a wrong password, then the same failure the password service gives.
      await verifyPassword(input.password, decoyPasswordHash);
      throw identityErrors.signInFailed();
    }
    if (candidates.length === 1) {
      const organizationId = candidates[0]!;
      return { kind: "signed_in", ...(await this.#signIn({ organizationId, ...input })) };
    }
    const matching: string[] = [];
    for (const organizationId of candidates) {
      if (await this.#users.checkPassword(organizationId, input.email, input.password))
        matching.push(organizationId);
    }
    // No match: the first organisation's password sign-in records the failure (and counts it).
    if (matching.length <= 1) {
      const organizationId = matching[0] ?? candidates[0]!;
      return { kind: "signed_in", ...(await this.#signIn({ organizationId, ...input })) };
    }
    const organizations = [];
    for (const id of matching) organizations.push({ id, name: await this.#organizationName(id) });
    return { kind: "choose", organizations };
  }
}
