// [CTL-1] Issue 16.8: failed sign-ins are throttled per client address and per account with 429 and
// `retry-after` (OpenAI's error shape on /v1), counted in the usage domain's shared window counters so
// every node adds to one count; and password hashing runs a bounded few at a time.
import { request as httpRequest } from "node:http";
import { RateLimitError } from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { signInOwner } from "../../test/helpers/browser-session.ts";
import { useTestPlatform } from "../../test/helpers/platform.ts";
import { PostgresWindowCounters } from "../usage/postgres-window-counters.ts";
import {
  decoyPasswordHash,
  passwordHashingLimits,
  passwordHashingPeak,
  verifyPassword,
} from "./password-hash.ts";
import { SignInThrottle } from "./sign-in-throttle.ts";

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

describe("[CTL-1] sign-in throttling", () => {
  const platform = useTestPlatform();

  beforeAll(async () => {
    // The account under attack: a local owner with a password.
    await signInOwner(platform, { email: "owner@example.com" });
  }, 120_000);

  /** A request from a chosen loopback address (all of 127.0.0.0/8 reaches the server on Linux). */
  function send(
    from: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Answer> {
    const url = new URL(path, platform.server.url);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method, headers, localAddress: from },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfter: response.headers["retry-after"] as string | undefined,
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }

  const signIn = (from: string, password: string) =>
    send(
      from,
      "POST",
      "/api/session",
      { "content-type": "application/json", origin: platform.server.url },
      JSON.stringify({ organization: platform.organization, email: "owner@example.com", password }),
    );

  it("[CTL-1] 40 wrong passwords: later ones get 429 with retry-after; the right password from another address still works", async () => {
    const answers: Answer[] = [];
    for (let attempt = 0; attempt < 40; attempt += 1)
      answers.push(await signIn("127.0.0.1", `wrong password ${attempt}`));
    expect(answers.slice(0, 10).map((answer) => answer.status)).toEqual(Array<number>(10).fill(401));
    // The 11th failure passes the limit, unless a minute window turned between the first ten: then at
    // most ten more are counted before it. From the first 429 on, every attempt is refused.
    const firstRefused = answers.findIndex((answer) => answer.status === 429);
    expect(firstRefused).toBeGreaterThanOrEqual(10);
    expect(firstRefused).toBeLessThanOrEqual(20);
    const later = answers.slice(firstRefused);
    expect(later.map((answer) => answer.status)).toEqual(Array<number>(later.length).fill(429));
    for (const answer of later) {
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
      expect(JSON.parse(answer.body)).toMatchObject({
        error: { type: "rate_limit_error", code: "rate_limit_exceeded" },
      });
    }
    // Even the right password waits out the block from the attacking address...
    expect((await signIn("127.0.0.1", "correct horse battery staple")).status).toBe(429);
    // ...while the owner, from another address, signs in.
    const owner = await signIn("127.0.0.2", "correct horse battery staple");
    expect(owner.status).toBe(200);
    const throttled = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select("metadata")
      .where("action", "=", "sign_in.throttled")
      .execute();
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(throttled)).not.toContain("owner@example.com");
  });

  it("[CTL-1] 40 wrong API keys: later ones get 429 in OpenAI's shape; a valid key from that address still works", async () => {
    const answers: Answer[] = [];
    for (let attempt = 0; attempt < 40; attempt += 1) {
      answers.push(
        await send("127.0.0.3", "GET", "/v1/models", { authorization: `Bearer sk-wrong-${attempt}` }),
      );
    }
    expect(answers.slice(0, 10).map((answer) => answer.status)).toEqual(Array<number>(10).fill(401));
    const firstRefused = answers.findIndex((answer) => answer.status === 429);
    expect(firstRefused).toBeGreaterThanOrEqual(10);
    expect(firstRefused).toBeLessThanOrEqual(20);
    const later = answers.slice(firstRefused);
    expect(later.map((answer) => answer.status)).toEqual(Array<number>(later.length).fill(429));
    const last = answers.at(-1)!;
    expect(Number(last.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(last.body)).toEqual({
      error: {
        message: expect.stringMatching(/Too many failed sign-in attempts/) as unknown,
        type: "rate_limit_error",
        param: null,
        code: "rate_limit_exceeded",
      },
    });
    const valid = await send("127.0.0.3", "GET", "/v1/models", {
      authorization: `Bearer ${platform.apiKey}`,
    });
    expect(valid.status).toBe(200);
    // Another address is not affected (control). The official client connects from 127.0.0.1, blocked
    // for a minute by the password test above (an address's failures count once, passwords and keys):
    // it gets a RateLimitError.
    expect(
      (await send("127.0.0.4", "GET", "/v1/models", { authorization: "Bearer sk-wrong-x" })).status,
    ).toBe(401);
    await expect(platform.client({ apiKey: "sk-wrong-client" }).models.list()).rejects.toBeInstanceOf(
      RateLimitError,
    );
  });

  it("[CTL-1] 40 wrong SCIM tokens: later ones get 429 with retry-after in SCIM's error shape", async () => {
    const answers: Answer[] = [];
    for (let attempt = 0; attempt < 40; attempt += 1) {
      answers.push(
        await send("127.0.0.5", "GET", "/scim/v2/Users", { authorization: `Bearer scim-wrong-${attempt}` }),
      );
    }
    expect(answers.slice(0, 10).map((answer) => answer.status)).toEqual(Array<number>(10).fill(401));
    const firstRefused = answers.findIndex((answer) => answer.status === 429);
    expect(firstRefused).toBeGreaterThanOrEqual(10);
    expect(firstRefused).toBeLessThanOrEqual(20);
    const later = answers.slice(firstRefused);
    expect(later.map((answer) => answer.status)).toEqual(Array<number>(later.length).fill(429));
    expect(Number(later.at(-1)!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(later.at(-1)!.body)).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "429",
    });
  });

  it("[CTL-1] nodes share one count: a second node refuses at its first failure past the limit", async () => {
    const counters = new PostgresWindowCounters(platform.server.platform.db);
    const limits = { perAddress: 5, perAccount: 100 };
    const nodeA = new SignInThrottle({ counters, limits });
    const nodeB = new SignInThrottle({ counters, limits });
    const subject = nodeA.keySubject("198.51.100.7");
    expect(nodeB.keySubject("198.51.100.7")).toBe(subject);
    for (let attempt = 0; attempt < 5; attempt += 1)
      expect(await nodeA.failed([{ subject, limit: "perAddress" }])).toBeNull();
    // Node B has refused nothing yet; the shared count makes its first counted failure a 429.
    expect(() => nodeB.check([subject])).not.toThrow();
    const refusal = await nodeB.failed([{ subject, limit: "perAddress" }]);
    expect(refusal).toMatchObject({ status: 429, headers: { "retry-after": expect.any(String) as unknown } });
    expect(() => nodeB.check([subject])).toThrow(/Too many failed sign-in attempts/);
    // The subject is a hash: the address is not stored.
    expect(subject).not.toContain("198.51.100.7");
  });

  it("[CTL-1] password hashing runs a bounded few at a time; past the queue, 503 with retry-after", async () => {
    passwordHashingPeak(true);
    const { running, waiting } = passwordHashingLimits;
    // 24 concurrent bogus checks: all are answered, never more than `running` hashing at once.
    const bogus = await Promise.allSettled(
      Array.from({ length: 24 }, () => verifyPassword("bogus", decoyPasswordHash)),
    );
    expect(bogus.map((result) => result.status)).toEqual(Array<string>(24).fill("fulfilled"));
    expect(passwordHashingPeak(true)).toBe(running);
    // A flood beyond the bounded queue is refused at once instead of piling up.
    const flood = await Promise.allSettled(
      Array.from({ length: running + waiting + 10 }, () => verifyPassword("bogus", decoyPasswordHash)),
    );
    const refused = flood.filter((result) => result.status === "rejected");
    expect(refused.length).toBe(10);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
      status: 503,
      code: "sign_in_busy",
      headers: { "retry-after": "1" },
    });
    expect(passwordHashingPeak()).toBe(running);
  });
});

describe("[CTL-1] sign-in throttling behind a reverse proxy", () => {
  // The proxy is this host; only it may name the client in X-Forwarded-For.
  const platform = useTestPlatform({ env: { CUSTODIAN_TRUSTED_PROXIES: "127.0.0.1, ::1" } });

  beforeAll(async () => {
    await signInOwner(platform, { email: "proxied@example.com" });
  }, 180_000);

  const signIn = (client: string, password: string) =>
    fetch(`${platform.server.url}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: platform.server.url, "x-forwarded-for": client },
      body: JSON.stringify({ organization: platform.organization, email: "proxied@example.com", password }),
    });

  it("[CTL-1] counts each client the trusted proxy names, so one client's failures do not lock out the others", async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12; attempt += 1)
      statuses.push((await signIn("203.0.113.7", `wrong ${attempt}`)).status);
    expect(statuses.slice(0, 10)).toEqual(Array<number>(10).fill(401));
    // Positive control: that client is throttled...
    expect(statuses.at(-1)).toBe(429);
    // ...and another client behind the same proxy signs in.
    expect((await signIn("203.0.113.8", "correct horse battery staple")).status).toBe(200);
  });
});
