// Who stands behind a request, for user and group budgets: the user a personal API key belongs to, and
// that user's groups. The usage domain owns this interface; the platform wires the identity domain's
// answers into it. Answers are kept for a few seconds, like limits, so admitting costs no query.
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
  readonly #owners = new Map<string, { value: string | null; until: number }>();
  readonly #groups = new Map<string, { value: string[]; until: number }>();

  constructor(lookup: BudgetSubjectLookup) {
    this.#lookup = lookup;
  }

  async keyOwner(organizationId: string, keyId: string): Promise<string | null> {
    return cached(this.#owners, `${organizationId}/${keyId}`, () =>
      this.#lookup.keyOwner(organizationId, keyId),
    );
  }

  async groupsOf(organizationId: string, userId: string): Promise<string[]> {
    return cached(this.#groups, `${organizationId}/${userId}`, () =>
      this.#lookup.groupsOf(organizationId, userId),
    );
  }
}

async function cached<T>(
  cache: Map<string, { value: T; until: number }>,
  key: string,
  load: () => Promise<T>,
): Promise<T> {
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.value;
  const value = await load();
  if (cache.size > 10_000) cache.clear();
  cache.set(key, { value, until: now + cacheMs });
  return value;
}
