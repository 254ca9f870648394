// Sends signed JSON webhooks (HMAC-SHA256 of the body in a header) with retries, for any domain that
// needs to tell an outside system something happened: budget alerts today, security pages later.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";

export interface WebhookTarget {
  url: string;
  /** The shared secret the receiver checks the signature with. */
  secret: string;
}

export interface WebhookEvent {
  /** A dotted name, such as "usage.budget_threshold". */
  type: string;
  /** Scalar facts and ids only: a webhook leaves the system, so it never carries business content. */
  data: Record<string, string | number | boolean | null>;
}

export interface WebhookOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  /** The wait before the first retry; it doubles after each. */
  retryDelayMs?: number;
  /** How long one try may take. */
  timeoutMs?: number;
  /** Told once when a delivery is given up, with facts only. */
  onFailure?: (facts: { type: string; delivery: string; attempts: number; status: number | null }) => void;
}

export const signatureHeader = "x-custodian-signature";
export const deliveryHeader = "x-custodian-delivery";
export const eventHeader = "x-custodian-event";

/** "sha256=<hex>" over the exact body bytes. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** For receivers (and tests): whether a signature header matches the body, compared in constant time. */
export function verifyWebhookSignature(body: string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(body, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether another try could help: no answer, a server error, or "slow down". */
function retryable(status: number | null): boolean {
  return status === null || status === 408 || status === 429 || status >= 500;
}

export class WebhookSender {
  readonly #target: WebhookTarget;
  readonly #attempts: number;
  readonly #retryDelayMs: number;
  readonly #timeoutMs: number;
  readonly #onFailure: WebhookOptions["onFailure"];
  readonly #inFlight = new Set<Promise<boolean>>();
  #closed = false;

  constructor(target: WebhookTarget, options: WebhookOptions = {}) {
    this.#target = target;
    this.#attempts = options.attempts ?? 5;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#onFailure = options.onFailure;
  }

  /** Deliver one event; resolves true once the receiver answered 2xx, false when it gave up. Never throws. */
  send(event: WebhookEvent): Promise<boolean> {
    const delivery = this.#deliver(event);
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
    return delivery;
  }

  /** Stop retrying and wait for the tries already on the wire. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#inFlight);
  }

  async #deliver(event: WebhookEvent): Promise<boolean> {
    const delivery = randomUUID();
    const body = JSON.stringify({
      id: delivery,
      type: event.type,
      created: Math.floor(Date.now() / 1000),
      data: event.data,
    });
    const headers = {
      "content-type": "application/json",
      [signatureHeader]: signWebhookBody(body, this.#target.secret),
      [deliveryHeader]: delivery,
      [eventHeader]: event.type,
    };
    let status: number | null = null;
    let attempt = 0;
    while (attempt < this.#attempts) {
      if (attempt > 0) {
        if (this.#closed) break;
        await sleep(this.#retryDelayMs * 2 ** (attempt - 1));
      }
      attempt += 1;
      try {
        const response = await request(this.#target.url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        status = response.statusCode;
        await response.body.dump();
      } catch {
        status = null;
      }
      if (status !== null && status >= 200 && status < 300) return true;
      if (!retryable(status)) break;
    }
    this.#onFailure?.({ type: event.type, delivery, attempts: attempt, status });
    return false;
  }
}
