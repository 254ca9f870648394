// The RequestPolicy for rate limits and budgets: requests and tokens per minute per key and project,
// tokens per day and month per project, and per user and group (a personal API key's user, and the
// workspace's members), held across every node by the shared window counters (PostgreSQL or Redis).
//
// Cost per request: nothing when no subject has limits (the limits are cached for a few seconds per
// node); otherwise one round trip to the counters' store that counts the request and reads every
// window's totals (one multi-row upsert on PostgreSQL, one Lua script on Redis). Tokens are credited
// after the response, in the usage recorder's batched flush, so a burst may overshoot a token limit by
// what is in flight and not yet flushed (at most about a second).
import type { Admission, AdmissionRequest, RequestPolicy } from "../inference/completion-hooks.ts";
import type { BudgetSubjectLookup } from "./budget-subjects.ts";
import { windowEnd, type CounterKey, type CounterState, type WindowCounters } from "./usage-counters.ts";
import { usageErrors } from "./usage-errors.ts";
import type { SubjectLimits, UsageLimits } from "./usage-limits.ts";
import type { CounterPeriod } from "./usage-tables.ts";

interface Check {
  dimension: "requests" | "tokens";
  /** What the limit is, in words safe to show: "requests per minute", "tokens per day". */
  name: string;
  subject: string;
  period: CounterPeriod;
  limit: number;
  remaining: number;
  exceeded: boolean;
  resetMs: number;
}

/** Go-style durations as OpenAI writes them in x-ratelimit-reset-*: "20ms", "12s", "6m0s", "1h2m3s". */
export function formatReset(milliseconds: number): string {
  if (milliseconds < 1_000) return `${Math.max(0, Math.ceil(milliseconds))}ms`;
  const total = Math.ceil(milliseconds / 1_000);
  const hours = Math.floor(total / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

function subjectName(limits: SubjectLimits): string {
  return `${limits.kind}:${limits.id}`;
}

/** The windows a subject's limits need counted. */
function windowsFor(limits: SubjectLimits): CounterKey[] {
  const subject = subjectName(limits);
  const keys: CounterKey[] = [];
  if (limits.requestsPerMinute !== null || limits.tokensPerMinute !== null)
    keys.push({ subject, period: "minute" });
  if (limits.tokensPerDay !== null) keys.push({ subject, period: "day" });
  if (limits.tokensPerMonth !== null) keys.push({ subject, period: "month" });
  return keys;
}

function checksFor(limits: SubjectLimits, counters: CounterState[]): Check[] {
  const subject = subjectName(limits);
  const checks: Check[] = [];
  const counter = (period: CounterPeriod) =>
    counters.find((state) => state.subject === subject && state.period === period);
  const add = (dimension: Check["dimension"], name: string, period: CounterPeriod, limit: number | null) => {
    const state = counter(period);
    if (limit === null || !state) return;
    const resetMs = windowEnd(period, state.windowStart).getTime() - state.now.getTime();
    // Requests: this one is already counted, so it is over when the count passes the limit. Tokens:
    // what this request will use is unknown until it ends, so it is refused once the limit is reached.
    const used = dimension === "requests" ? state.requests : state.tokens;
    const exceeded = dimension === "requests" ? used > limit : used >= limit;
    checks.push({
      dimension,
      name,
      subject,
      period,
      limit,
      remaining: Math.max(0, limit - used),
      exceeded,
      resetMs,
    });
  };
  add("requests", "requests per minute", "minute", limits.requestsPerMinute);
  add("tokens", "tokens per minute", "minute", limits.tokensPerMinute);
  add("tokens", "tokens per day", "day", limits.tokensPerDay);
  add("tokens", "tokens per month", "month", limits.tokensPerMonth);
  return checks;
}

/** The check closest to refusing: the fewest remaining, a refusing one first. */
function tightest(checks: Check[]): Check | undefined {
  return [...checks].sort(
    (a, b) => Number(b.exceeded) - Number(a.exceeded) || a.remaining - b.remaining || b.resetMs - a.resetMs,
  )[0];
}

function rateLimitHeaders(checks: Check[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const dimension of ["requests", "tokens"] as const) {
    const check = tightest(checks.filter((candidate) => candidate.dimension === dimension));
    if (!check) continue;
    headers[`x-ratelimit-limit-${dimension}`] = String(check.limit);
    headers[`x-ratelimit-remaining-${dimension}`] = String(check.remaining);
    headers[`x-ratelimit-reset-${dimension}`] = formatReset(check.resetMs);
  }
  return headers;
}

export class RateLimitPolicy implements RequestPolicy {
  readonly #counters: WindowCounters;
  readonly #limits: UsageLimits;
  readonly #people: BudgetSubjectLookup;

  constructor(dependencies: { counters: WindowCounters; limits: UsageLimits; people: BudgetSubjectLookup }) {
    this.#counters = dependencies.counters;
    this.#limits = dependencies.limits;
    this.#people = dependencies.people;
  }

  async admit(request: AdmissionRequest): Promise<Admission | void> {
    const { caller } = request;
    // A copy: the array is the limits' cache.
    const subjects = [...(await this.#limits.forCaller(caller))];
    // A personal key spends its user's budget and the user's groups' budgets too.
    if (await this.#limits.hasPeopleBudgets(caller.organizationId)) {
      const userId = await this.#people.keyOwner(caller.organizationId, caller.keyId);
      if (userId) subjects.push(...(await this.#person(caller.organizationId, userId)));
    }
    return this.#check(subjects);
  }

  /**
   * Admit a workspace member's chat answer against their user and group budgets; the same 429 as /v1
   * when one is used up.
   */
  async admitMember(member: { organizationId: string; userId: string }): Promise<void> {
    if (!(await this.#limits.hasPeopleBudgets(member.organizationId))) return;
    await this.#check(await this.#person(member.organizationId, member.userId));
  }

  async #person(organizationId: string, userId: string): Promise<SubjectLimits[]> {
    return this.#limits.forPerson(
      organizationId,
      userId,
      await this.#people.groupsOf(organizationId, userId),
    );
  }

  async #check(subjects: SubjectLimits[]): Promise<Admission | void> {
    if (subjects.length === 0) return;
    const counters = await this.#counters.countRequest(subjects.flatMap(windowsFor));
    const checks = subjects.flatMap((limits) => checksFor(limits, counters));
    const headers = rateLimitHeaders(checks);
    const refused = checks.filter((check) => check.exceeded);
    if (refused.length === 0) return { headers };
    // Wait for the last refusing window to roll over: retrying earlier would only be refused again.
    const binding = refused.reduce((latest, check) => (check.resetMs > latest.resetMs ? check : latest));
    const retryAfter = Math.max(1, Math.ceil(binding.resetMs / 1_000));
    const message =
      `Rate limit reached for ${binding.name} on ${binding.subject.replace(":", " ")}: ` +
      `limit ${binding.limit}. Please try again in ${formatReset(binding.resetMs)}.`;
    const allHeaders = { ...headers, "retry-after": String(retryAfter) };
    throw binding.period === "minute"
      ? usageErrors.rateLimited(message, allHeaders)
      : usageErrors.budgetExhausted(message, allHeaders);
  }
}
