// Budget alerts: when a token budget's window crosses 80% or 100%, one audit event and one signed
// webhook. Crossings are found from the counters' totals before and after each credit, so exactly one
// node sees each one however many share the database.
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";
import type { WebhookSender } from "../notify/webhook.ts";
import type { CreditedCounter } from "./usage-counters.ts";
import type { Limits, UsageLimits } from "./usage-limits.ts";
import type { LimitSubjectKind } from "./usage-tables.ts";

export const budgetThresholds = [80, 100] as const;
export const budgetAlertAction = "usage.budget_threshold_reached";

export interface BudgetCrossing {
  organizationId: string;
  kind: LimitSubjectKind;
  id: string;
  period: "day" | "month";
  threshold: (typeof budgetThresholds)[number];
  budget: number;
  used: number;
  windowStart: Date;
}

/** The thresholds a move from `before` to `after` tokens passes, against this budget. */
export function crossedThresholds(before: number, after: number, budget: number): number[] {
  return budgetThresholds.filter((percent) => {
    const mark = (budget * percent) / 100;
    return before < mark && after >= mark;
  });
}

export class BudgetAlerts {
  readonly #limits: UsageLimits;
  readonly #audit: AuditLog;
  readonly #webhook: WebhookSender | null;
  readonly #logger: Logger;
  readonly #pending = new Set<Promise<void>>();

  constructor(dependencies: {
    limits: UsageLimits;
    audit: AuditLog;
    webhook: WebhookSender | null;
    logger: Logger;
  }) {
    this.#limits = dependencies.limits;
    this.#audit = dependencies.audit;
    this.#webhook = dependencies.webhook;
    this.#logger = dependencies.logger;
  }

  /** Look at counters that just moved; alerts run in the background (see `settled`). */
  credited(counters: CreditedCounter[], organizations: Map<string, string>): void {
    const budgeted = counters.filter((counter) => counter.period !== "minute");
    if (budgeted.length === 0) return;
    const work = this.#check(budgeted, organizations).catch((error: unknown) => {
      this.#logger.error(
        { failure: error instanceof Error ? error.name : typeof error },
        "budget check failed",
      );
    });
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /** Wait for the checks and alerts under way (at close, and in tests). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  async #check(counters: CreditedCounter[], organizations: Map<string, string>): Promise<void> {
    const bySubject = new Map<string, Limits>();
    for (const counter of counters) {
      const organizationId = organizations.get(counter.subject);
      const separator = counter.subject.indexOf(":");
      const kind = counter.subject.slice(0, separator) as LimitSubjectKind;
      const id = counter.subject.slice(separator + 1);
      if (!organizationId) continue;
      let limits = bySubject.get(counter.subject);
      if (!limits) {
        limits = await this.#limits.cachedGet(organizationId, kind, id);
        bySubject.set(counter.subject, limits);
      }
      const period = counter.period as "day" | "month";
      const budget = period === "day" ? limits.tokensPerDay : limits.tokensPerMonth;
      if (budget === null) continue;
      for (const threshold of crossedThresholds(counter.tokensBefore, counter.tokensAfter, budget)) {
        await this.#alert({
          organizationId,
          kind,
          id,
          period,
          threshold: threshold as BudgetCrossing["threshold"],
          budget,
          used: counter.tokensAfter,
          windowStart: counter.windowStart,
        });
      }
    }
  }

  async #alert(crossing: BudgetCrossing): Promise<void> {
    const facts = {
      subject: crossing.kind,
      period: crossing.period,
      threshold_percent: crossing.threshold,
      budget_tokens: crossing.budget,
      used_tokens: crossing.used,
      window_start: crossing.windowStart.toISOString(),
    };
    await this.#audit.append({
      actor: "system",
      action: budgetAlertAction,
      target: crossing.id,
      organizationId: crossing.organizationId,
      metadata: facts,
    });
    await this.#webhook?.send({
      type: budgetAlertAction,
      data: { organization_id: crossing.organizationId, subject_id: crossing.id, ...facts },
    });
  }
}
