// The rate-limit and budget tests, one shared function run against each window-counter store (the
// database by default, Redis when configured): through the official OpenAI client, x-ratelimit-* headers
// on success, a 429 in OpenAI's shape with retry-after when a limit or budget is used up, signed budget
// webhooks at 80% and 100%, and every admin change in the audit log.
import { execFile } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import type OpenAI from "openai";
import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "./fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "./platform.ts";
import { signatureHeader, verifyWebhookSignature } from "../../src/notify/webhook.ts";
import { adminOperations } from "../../src/platform/operations.ts";
import { budgetAlertAction } from "../../src/usage/budget-alerts.ts";

const secret = "test-webhook-secret-0123456789abcdef";
const messages = [{ role: "user" as const, content: "hi" }];

/** Fixed one-minute windows: start a per-minute test well clear of the minute's end. */
async function clearOfMinuteEdge(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await sleep(60_000 - intoMinute + 200);
}

interface AlertEvent {
  type: string;
  data: { subject_id?: string; threshold_percent?: number };
}

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RateLimitContext {
  platform(): TestPlatform;
  /** A fresh project with its own key, so each test starts from empty counters. */
  freshProject(name: string): Promise<{ project: string; key: string; keyId: string; client: OpenAI }>;
  /** The error a refused completion throws. */
  refusal(client: OpenAI): Promise<APIError>;
}

export interface RateLimitBackend {
  name: string;
  /** Settings for the test platform (evaluated when it starts). */
  env(): Record<string, string>;
  /** Also run the CLI test (it starts processes: once is enough). */
  cli: boolean;
  /** Tests only this backend needs, on the same platform. */
  more?(context: RateLimitContext): void;
}

export function rateLimitTests(backend: RateLimitBackend): void {
  describe(`rate limits and budgets (${backend.name})`, () => {
    let upstream: FakeUpstream;
    let platform: TestPlatform;
    let receiver: Server;
    const deliveries: Delivery[] = [];
    let operations: ReturnType<typeof adminOperations>;

    /** A fresh project with its own key, so each test starts from empty counters. */
    async function freshProject(
      name: string,
    ): Promise<{ project: string; key: string; keyId: string; client: OpenAI }> {
      const { tenancy, apiKeys } = platform.server.platform;
      const project = await tenancy.createProject(platform.organization, name, "test");
      const created = await apiKeys.create({
        organizationId: platform.organization,
        projectId: project.id,
        actor: "test",
      });
      return {
        project: project.id,
        key: created.key,
        keyId: created.id,
        client: platform.client({ apiKey: created.key }),
      };
    }

    async function refusal(client: OpenAI): Promise<APIError> {
      const error = await client.chat.completions.create({ model: "fake-model", messages }).then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(APIError);
      return error as APIError;
    }

    beforeAll(async () => {
      receiver = createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", () => {
          deliveries.push({ headers: request.headers, body });
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      upstream = await startFakeUpstream();
      platform = await startTestPlatform({
        upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }],
        env: {
          ...backend.env(),
          CUSTODIAN_BUDGET_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
          CUSTODIAN_BUDGET_WEBHOOK_SECRET: secret,
        },
      });
      operations = adminOperations(platform.server.platform, "admin-test");
    });
    afterAll(async () => {
      await platform?.close();
      await upstream?.close();
      receiver?.closeAllConnections();
      await new Promise((resolve) => receiver?.close(resolve));
    });

    it("[CTL-2] answers 429 with OpenAI's rate-limit headers once a key's requests per minute are used", async () => {
      const { keyId, client } = await freshProject("rpm");
      await operations.setRateLimits({ organization: platform.organization, key: keyId, rpm: 2 });
      await clearOfMinuteEdge();
      const reachedBefore = upstream.requests.length;
      const first = await client.chat.completions.create({ model: "fake-model", messages }).withResponse();
      expect(first.response.headers.get("x-ratelimit-limit-requests")).toBe("2");
      expect(first.response.headers.get("x-ratelimit-remaining-requests")).toBe("1");
      expect(first.response.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+m)?\d+(ms|s)$/);
      const second = await client.chat.completions.create({ model: "fake-model", messages }).withResponse();
      expect(second.response.headers.get("x-ratelimit-remaining-requests")).toBe("0");

      const error = await refusal(client);
      expect(error.status).toBe(429);
      expect(error.type).toBe("rate_limit_error");
      expect(error.code).toBe("rate_limit_exceeded");
      expect(error.message).toContain("requests per minute");
      expect(error.headers?.get("x-ratelimit-limit-requests")).toBe("2");
      expect(error.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
      const retryAfter = Number(error.headers?.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Two reached the model; the refused one never did.
      expect(upstream.requests.length - reachedBefore).toBe(2);

      // The platform's bootstrap key in another project is not affected.
      await expect(
        platform.client().chat.completions.create({ model: "fake-model", messages }),
      ).resolves.toMatchObject({ object: "chat.completion" });
    });

    it("[CTL-2] holds a project to its tokens per minute, with the -tokens headers", async () => {
      const { project, client } = await freshProject("tpm");
      await operations.setRateLimits({ organization: platform.organization, project, tpm: 15 });
      await clearOfMinuteEdge();
      const { recorder } = platform.server.platform.usage;
      const first = await client.chat.completions.create({ model: "fake-model", messages }).withResponse();
      expect(first.response.headers.get("x-ratelimit-limit-tokens")).toBe("15");
      expect(first.response.headers.get("x-ratelimit-remaining-tokens")).toBe("15");
      await recorder.flush();
      const second = await client.chat.completions.create({ model: "fake-model", messages }).withResponse();
      expect(second.data.usage?.total_tokens).toBe(10);
      expect(second.response.headers.get("x-ratelimit-remaining-tokens")).toBe("5");
      await recorder.flush();
      const error = await refusal(client);
      expect(error.status).toBe(429);
      expect(error.message).toContain("tokens per minute");
      expect(error.headers?.get("x-ratelimit-limit-tokens")).toBe("15");
      expect(error.headers?.get("x-ratelimit-remaining-tokens")).toBe("0");
      expect(error.headers?.get("x-ratelimit-reset-tokens")).toMatch(/^(\d+m)?\d+(ms|s)$/);
      expect(Number(error.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    });

    it("[CTL-2] a daily budget alerts at 80% and 100% by signed webhook and audit event, then refuses", async () => {
      const { project, client } = await freshProject("budget");
      const budget = await operations.setBudgets({
        organization: platform.organization,
        project,
        daily: 25,
      });
      expect(budget).toMatchObject({ project, tokens_per_day: 25, tokens_per_month: null });
      const { recorder, alerts } = platform.server.platform.usage;
      const settle = async () => {
        await recorder.flush();
        await alerts.settled();
      };
      const mine = () =>
        deliveries
          .map((delivery) => ({ ...delivery, event: JSON.parse(delivery.body) as AlertEvent }))
          .filter((delivery) => delivery.event.data.subject_id === project);

      await client.chat.completions.create({ model: "fake-model", messages });
      await settle();
      expect(mine()).toHaveLength(0);
      await client.chat.completions.create({ model: "fake-model", messages });
      await settle();
      expect(mine().map((delivery) => delivery.event.data)).toEqual([
        expect.objectContaining({ threshold_percent: 80, period: "day", budget_tokens: 25, used_tokens: 20 }),
      ]);
      await client.chat.completions.create({ model: "fake-model", messages });
      await settle();
      const received = mine();
      expect(received.map((delivery) => delivery.event.data.threshold_percent)).toEqual([80, 100]);
      for (const delivery of received) {
        expect(delivery.event.type).toBe(budgetAlertAction);
        expect(
          verifyWebhookSignature(delivery.body, delivery.headers[signatureHeader] as string, secret),
        ).toBe(true);
        expect(
          verifyWebhookSignature(delivery.body, delivery.headers[signatureHeader] as string, "wrong"),
        ).toBe(false);
      }

      const error = await refusal(client);
      expect(error.status).toBe(429);
      expect(error.code).toBe("token_budget_exceeded");
      expect(error.message).toContain("tokens per day");
      expect(error.headers?.get("x-ratelimit-limit-tokens")).toBe("25");
      expect(error.headers?.get("x-ratelimit-remaining-tokens")).toBe("0");
      expect(Number(error.headers?.get("retry-after"))).toBeGreaterThan(0);

      const { db } = platform.server.platform;
      const audited = await db
        .selectFrom("audit_entries")
        .selectAll()
        .where("action", "=", budgetAlertAction)
        .where("target", "=", project)
        .orderBy("seq")
        .execute();
      expect(audited.map((entry) => JSON.parse(entry.metadata).threshold_percent)).toEqual([80, 100]);
      expect(audited.every((entry) => entry.organization_id === platform.organization)).toBe(true);
    });

    it("[CTL-2] admin switches set, list and clear limits, each change audited", async () => {
      const { project, keyId, client } = await freshProject("switches");
      await operations.setRateLimits({
        organization: platform.organization,
        project,
        rpm: 1,
        tpm: 1000,
      });
      await operations.setBudgets({ organization: platform.organization, project, monthly: 100000 });
      await operations.setRateLimits({ organization: platform.organization, key: keyId, rpm: 50 });
      const listed = (await operations.listLimits({ organization: platform.organization })) as Array<
        Record<string, unknown>
      >;
      expect(listed).toEqual(
        expect.arrayContaining([
          {
            subject: "project",
            id: project,
            requests_per_minute: 1,
            tokens_per_minute: 1000,
            tokens_per_day: null,
            tokens_per_month: 100000,
          },
          expect.objectContaining({ subject: "key", id: keyId, requests_per_minute: 50 }),
        ]),
      );
      await clearOfMinuteEdge();
      await client.chat.completions.create({ model: "fake-model", messages });
      expect((await refusal(client)).status).toBe(429);
      await operations.clearRateLimits({ organization: platform.organization, project });
      await expect(client.chat.completions.create({ model: "fake-model", messages })).resolves.toBeTruthy();
      await operations.clearBudgets({ organization: platform.organization, project });

      // Subjects of another organisation, and nonsense numbers, are refused.
      const other = (await operations.createOrganization({ name: "Elsewhere" })) as { id: string };
      await expect(
        operations.setRateLimits({ organization: other.id, project, rpm: 5 }),
      ).rejects.toMatchObject({
        status: 404,
      });
      await expect(
        operations.setRateLimits({ organization: platform.organization, project, rpm: -1 }),
      ).rejects.toMatchObject({ status: 400 });

      const { db } = platform.server.platform;
      const actions = (
        await db
          .selectFrom("audit_entries")
          .select(["action", "actor"])
          .where("target", "in", [project, keyId])
          .where("action", "like", "usage.%")
          .orderBy("seq")
          .execute()
      ).map((entry) => `${entry.actor} ${entry.action}`);
      expect(actions).toEqual([
        "admin-test usage.rate_limits_set",
        "admin-test usage.budgets_set",
        "admin-test usage.rate_limits_set",
        "admin-test usage.rate_limits_cleared",
        "admin-test usage.budgets_cleared",
      ]);
      const remaining = (await operations.listLimits({ organization: platform.organization })) as Array<{
        id: string;
      }>;
      expect(remaining.map((entry) => entry.id)).not.toContain(project);
    });
    it.runIf(backend.cli)(
      "[CTL-2] `custodian limits set` and `custodian budgets set` work through the running server",
      async () => {
        const { project } = await freshProject("cli");
        const main = path.resolve(import.meta.dirname, "../../src/main.ts");
        const env = {
          ...process.env,
          CUSTODIAN_DATA_DIR: platform.dataDir,
          CUSTODIAN_LOG_LEVEL: "warn",
          ...(platform.server.platform.config.databaseUrl
            ? { CUSTODIAN_DATABASE_URL: platform.server.platform.config.databaseUrl }
            : {}),
        };
        // Asynchronously: the server answering the CLI runs in this very process.
        const run = (...args: string[]) =>
          promisify(execFile)(process.execPath, [main, ...args], { env, timeout: 60_000 });
        const organization = ["--org", platform.organization, "--project", project];
        const limits = await run("limits", "set", ...organization, "--rpm", "7", "--tpm", "700", "--json");
        expect(JSON.parse(limits.stdout)).toMatchObject({
          project,
          requests_per_minute: 7,
          tokens_per_minute: 700,
        });
        const budgets = await run("budgets", "set", ...organization, "--monthly", "90000", "--json");
        expect(JSON.parse(budgets.stdout)).toMatchObject({
          project,
          requests_per_minute: 7,
          tokens_per_month: 90000,
        });
      },
    );

    backend.more?.({ platform: () => platform, freshProject, refusal });
  });
}
