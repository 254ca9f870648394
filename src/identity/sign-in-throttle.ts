// Throttling of failed sign-ins (CTL-1): wrong passwords per client address and per account, wrong API
// keys per client address. Failures are counted in the window counters the usage domain's rate limits
// use (PostgreSQL, or Redis when configured), so every node adds to one count; a node that counts a
// failure past the limit refuses that subject with 429 and `retry-after` for a minute, without checking
// the password (each node learns of a block at its first counted failure past it). Addresses
// and accounts are counted under a hash, never in the clear, in windows that are gone within the hour.
import { createHash } from "node:crypto";
import { CustodianError } from "../core/errors.ts";

/** The part of the usage domain's window counters this needs (usage-counters.ts). */
export interface FailureCounters {
  countRequest(
    keys: Array<{ subject: string; period: "minute" }>,
  ): Promise<Array<{ subject: string; requests: number }>>;
}

export interface SignInThrottleLimits {
  /** Failed sign-ins (passwords and API keys) one client address may make in a minute. */
  perAddress: number;
  /** Failed password sign-ins to one account, from any address, in a minute. */
  perAccount: number;
}

export const defaultSignInThrottleLimits: SignInThrottleLimits = { perAddress: 10, perAccount: 20 };

/** How long a subject past its limit is refused, from the failure that passed it. */
const blockMs = 60_000;

export const throttleErrors = {
  tooManyFailures: (retryAfterSeconds: number) =>
    new CustodianError(`Too many failed sign-in attempts. Please try again in ${retryAfterSeconds} s.`, {
      status: 429,
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
      retryable: true,
      headers: { "retry-after": String(retryAfterSeconds) },
    }),
} as const;

/** A subject refused on this node until `until` (this node's clock). */
interface Block {
  until: number;
}

const maxBlocks = 50_000;

export class SignInThrottle {
  readonly #counters: FailureCounters;
  readonly #limits: SignInThrottleLimits;
  readonly #blocks = new Map<string, Block>();
  readonly #now: () => number;

  constructor(dependencies: {
    counters: FailureCounters;
    limits?: SignInThrottleLimits;
    now?: () => number;
  }) {
    this.#counters = dependencies.counters;
    this.#limits = dependencies.limits ?? defaultSignInThrottleLimits;
    this.#now = dependencies.now ?? Date.now;
  }

  #subject(kind: string, value: string): string {
    return `signin:${kind}:${createHash("sha256").update(`custodian sign-in ${value}`).digest("base64url").slice(0, 22)}`;
  }

  /** Subjects of a password sign-in: its client address and its account. */
  passwordSubjects(address: string, organizationId: string, email: string) {
    return {
      address: this.#subject("addr", address),
      account: this.#subject("acct", `${organizationId}\n${email.trim().toLowerCase()}`),
    };
  }

  /** Subject of an API-key check: its client address. */
  keySubject(address: string): string {
    return this.#subject("addr", address);
  }

  /** Refuse at once (429) when any subject is blocked on this node. */
  check(subjects: readonly string[]): void {
    const now = this.#now();
    let longest = 0;
    for (const subject of subjects) {
      const block = this.#blocks.get(subject);
      if (!block) continue;
      if (block.until <= now) this.#blocks.delete(subject);
      else longest = Math.max(longest, block.until - now);
    }
    if (longest > 0) throw throttleErrors.tooManyFailures(Math.max(1, Math.ceil(longest / 1000)));
  }

  /**
   * Count one failure against each subject (with its limit); answers the 429 to send instead of the
   * failure when a limit is now passed, and blocks those subjects on this node for a minute.
   */
  async failed(subjects: ReadonlyArray<{ subject: string; limit: "perAddress" | "perAccount" }>) {
    const counted = await this.#counters.countRequest(
      subjects.map(({ subject }) => ({ subject, period: "minute" as const })),
    );
    const now = this.#now();
    let blocked = false;
    for (const { subject, limit } of subjects) {
      const state = counted.find((candidate) => candidate.subject === subject);
      if (!state || state.requests <= this.#limits[limit]) continue;
      if (this.#blocks.size >= maxBlocks) this.#forgetEnded(now);
      this.#blocks.delete(subject);
      this.#blocks.set(subject, { until: now + blockMs });
      blocked = true;
    }
    return blocked ? throttleErrors.tooManyFailures(blockMs / 1000) : null;
  }

  #forgetEnded(now: number): void {
    for (const [subject, block] of this.#blocks) if (block.until <= now) this.#blocks.delete(subject);
    // Still full: an attack from very many addresses; the oldest blocks go first.
    while (this.#blocks.size >= maxBlocks) {
      const oldest = this.#blocks.keys().next().value;
      if (oldest === undefined) break;
      this.#blocks.delete(oldest);
    }
  }
}
