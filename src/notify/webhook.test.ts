// The webhook sender against a real HTTP receiver on 127.0.0.1: signed bodies, retries, giving up.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliveryHeader, signatureHeader, verifyWebhookSignature, WebhookSender } from "./webhook.ts";

const secret = "a-secret-long-enough-to-sign-with-0001";

describe("WebhookSender", () => {
  let server: Server;
  let url: string;
  /** Status codes to answer, in order; 204 once they run out. */
  let answers: number[] = [];
  const received: Array<{ body: string; signature: string; delivery: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        received.push({
          body,
          signature: String(request.headers[signatureHeader]),
          delivery: String(request.headers[deliveryHeader]),
        });
        response.writeHead(answers.shift() ?? 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("signs the body with HMAC-SHA256 and retries a failing receiver with the same delivery", async () => {
    received.length = 0;
    answers = [503, 500];
    const sender = new WebhookSender({ url, secret }, { retryDelayMs: 10 });
    const delivered = await sender.send({ type: "test.event", data: { project: "proj_1", used: 5 } });
    expect(delivered).toBe(true);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((entry) => entry.delivery)).size).toBe(1);
    for (const entry of received)
      expect(verifyWebhookSignature(entry.body, entry.signature, secret)).toBe(true);
    expect(JSON.parse(received[0]!.body)).toMatchObject({
      type: "test.event",
      data: { project: "proj_1", used: 5 },
    });
    expect(verifyWebhookSignature(`${received[0]!.body} `, received[0]!.signature, secret)).toBe(false);
  });

  it("gives up on a client error at once, and after its attempts on an unreachable receiver", async () => {
    received.length = 0;
    answers = [400];
    const failures: unknown[] = [];
    const sender = new WebhookSender(
      { url, secret },
      { retryDelayMs: 5, attempts: 3, onFailure: (facts) => failures.push(facts) },
    );
    expect(await sender.send({ type: "test.event", data: {} })).toBe(false);
    expect(received).toHaveLength(1);
    const unreachable = new WebhookSender(
      { url: "http://127.0.0.1:9/hook", secret },
      { retryDelayMs: 5, attempts: 2, onFailure: (facts) => failures.push(facts) },
    );
    expect(await unreachable.send({ type: "test.event", data: {} })).toBe(false);
    await unreachable.close();
    expect(failures).toEqual([
      expect.objectContaining({ attempts: 1, status: 400 }),
      expect.objectContaining({ attempts: 2, status: null }),
    ]);
  });
});
