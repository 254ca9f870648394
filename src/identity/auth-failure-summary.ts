// Counts failed API authentications and writes one audit entry per window, not one per request,
// so a flood of bad keys cannot flood the audit log.
import type { AuditLog } from "../audit/audit-log.ts";

export class AuthFailureSummary {
  readonly #audit: AuditLog;
  readonly #timer: NodeJS.Timeout;
  #count = 0;
  #since = new Date();
  readonly #reasons = new Map<string, number>();

  constructor(audit: AuditLog, windowMs = 60_000) {
    this.#audit = audit;
    this.#timer = setInterval(() => void this.flush().catch(() => undefined), windowMs);
    this.#timer.unref();
  }

  record(reason: "missing_api_key" | "invalid_api_key" | "throttled_api_key"): void {
    this.#count += 1;
    this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + 1);
  }

  async flush(): Promise<void> {
    if (this.#count === 0) return;
    const metadata = {
      count: this.#count,
      since: this.#since.toISOString(),
      ...Object.fromEntries(this.#reasons),
    };
    this.#count = 0;
    this.#reasons.clear();
    this.#since = new Date();
    await this.#audit.append({ actor: "system", action: "auth.failures", metadata });
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
