// Counts failed API authentications and writes one audit entry per window, not one per request,
// so a flood of bad keys cannot flood the audit log. A window whose entry cannot be written (the
// database away) is kept and added to the next one, and the failure is logged by its error's name.
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";

export class AuthFailureSummary {
  readonly #audit: AuditLog;
  readonly #timer: NodeJS.Timeout;
  #count = 0;
  #since = new Date();
  readonly #reasons = new Map<string, number>();

  constructor(audit: AuditLog, windowMs = 60_000, logger?: Pick<Logger, "warn">) {
    this.#audit = audit;
    this.#timer = setInterval(() => {
      this.flush().catch((error: unknown) =>
        logger?.warn(
          { failure: error instanceof Error ? error.name : typeof error },
          "failed authentications not yet audited; kept for the next window",
        ),
      );
    }, windowMs);
    this.#timer.unref();
  }

  record(reason: "missing_api_key" | "invalid_api_key" | "throttled_api_key"): void {
    this.#count += 1;
    this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + 1);
  }

  async flush(): Promise<void> {
    if (this.#count === 0) return;
    const [count, since, reasons] = [this.#count, this.#since, new Map(this.#reasons)];
    this.#count = 0;
    this.#reasons.clear();
    this.#since = new Date();
    try {
      await this.#audit.append({
        actor: "system",
        action: "auth.failures",
        metadata: { count, since: since.toISOString(), ...Object.fromEntries(reasons) },
      });
    } catch (error) {
      // Back into the counts: the next window's entry covers this one too, from its start.
      this.#count += count;
      this.#since = since;
      for (const [reason, times] of reasons)
        this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + times);
      throw error;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
