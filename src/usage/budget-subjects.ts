// Who stands behind a request, for user and group budgets: the user a personal API key belongs to, and
// that user's groups. The usage domain owns this interface; the platform wires the identity domain's
// answers into it. Answers are kept for a few seconds, like limits, so admitting costs no query.
import { ExpiringCache } from "../core/expiring-cache.ts";

/** The identity facts user and group budgets need. */
export interface BudgetSubjectLookup {
  /** The user a personal API key belongs to; null for a project's service key. */
  keyOwner(organizationId: string, keyId: string): Promise<string | null>;
  /** The groups (SCIM) a user is a member of. */
  groupsOf(organizationId: string, userId: string): Promise<string[]>;
}

/** A change of key owner or group membership applies within this time on every node. */
const cacheMs = 5_000;

export const noBudgetSubjects: BudgetSubjectLookup = {
  keyOwner: async () => null,
  groupsOf: async () => [],
};

/** The lookup behind a short per-node cache. */
export class BudgetSubjects implements BudgetSubjectLookup {
  readonly #lookup: BudgetSubjectLookup;
  readonly #owners = new ExpiringCache<string | null>(cacheMs);
  readonly #groups = new ExpiringCache<string[]>(cacheMs);

  constructor(lookup: BudgetSubjectLookup) {
    this.#lookup = lookup;
  }

  keyOwner(organizationId: string, keyId: string): Promise<string | null> {
    return this.#owners.get(`${organizationId}/${keyId}`, () => this.#lookup.keyOwner(organizationId, keyId));
  }

  groupsOf(organizationId: string, userId: string): Promise<string[]> {
    return this.#groups.get(`${organizationId}/${userId}`, () =>
      this.#lookup.groupsOf(organizationId, userId),
    );
  }
}
