// Security events (SEC-4): short, signed webhook pages for someone to act on: bursts of failed
// authentication, SSO signature failures, audit chain breaks and checkpoint failures, and staff-access
// grants. Facts only.
import type { Logger } from "pino";
import { WebhookSender, type WebhookEvent, type WebhookTarget } from "./webhook.ts";

export type SecurityEventType =
  | "security.auth_failures"
  | "security.sso_signature_failure"
  | "security.audit_chain_broken"
  | "security.audit_checkpoint_failed"
  | "security.staff_access"
  | "security.task_failed"
  | "security.trust_probe_failed";

export interface SecurityEvent extends WebhookEvent {
  type: SecurityEventType;
}

export class SecurityEvents {
  readonly #sender: WebhookSender | null;
  readonly #logger: Logger;

  constructor(dependencies: {
    target: WebhookTarget | null;
    logger: Logger;
    /** Tests shorten the retry delay. */
    retryDelayMs?: number;
  }) {
    this.#logger = dependencies.logger;
    this.#sender = dependencies.target
      ? new WebhookSender(dependencies.target, {
          ...(dependencies.retryDelayMs !== undefined ? { retryDelayMs: dependencies.retryDelayMs } : {}),
          onFailure: (facts) => this.#logger.error(facts, "security event could not be delivered"),
        })
      : null;
  }

  /** Whether a webhook is configured. */
  get configured(): boolean {
    return this.#sender !== null;
  }

  /** Page: logged always (type and facts), posted to the webhook when one is configured. Never throws. */
  raise(event: SecurityEvent): Promise<boolean> {
    this.#logger.warn({ securityEvent: event.type, ...event.data }, "security event");
    return this.#sender ? this.#sender.send(event) : Promise.resolve(false);
  }

  async close(): Promise<void> {
    await this.#sender?.close();
  }
}
