// Rate limits and budgets with the window counters in Redis (CUSTODIAN_REDIS_URL): the same tests as on
// the database, through a TCP proxy of the test's own, so Redis can go away mid-test: limited requests
// then answer 503 in OpenAI's shape rather than going unchecked, and recover when it is back.
import { APIError } from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deleteRedisKeys, testRedisPrefix, testRedisUrl } from "../../test/helpers/redis.ts";
import { startTcpProxy, type TcpProxy } from "../../test/helpers/tcp-proxy.ts";
import { adminOperations } from "../platform/operations.ts";
import { rateLimitTests } from "../../test/helpers/rate-limit-tests.ts";

let proxy: TcpProxy;
// Each run its own keys, so runs sharing one Redis never see each other's counts.
const keyPrefix = testRedisPrefix();

beforeAll(async () => {
  const target = new URL(testRedisUrl);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
});
afterAll(async () => {
  await proxy?.close();
  await deleteRedisKeys(keyPrefix);
});

rateLimitTests({
  name: "Redis counters",
  env: () => ({
    CUSTODIAN_REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    CUSTODIAN_REDIS_KEY_PREFIX: keyPrefix,
  }),
  cli: false,
  more({ platform, freshProject, refusal }) {
    it("[CTL-2] counts in Redis, and answers 503 in OpenAI's shape while Redis is away", async () => {
      expect(platform().server.platform.usage.counters.store).toBe("redis");
      const { keyId, client } = await freshProject("redis outage");
      const operations = adminOperations(platform().server.platform, "admin-test");
      await operations.setRateLimits({ organization: platform().organization, key: keyId, rpm: 100 });
      await client.chat.completions.create({
        model: "fake-model",
        messages: [{ role: "user", content: "hi" }],
      });

      await proxy.cut();
      try {
        const error = await refusal(client);
        expect(error).toBeInstanceOf(APIError);
        expect(error.status).toBe(503);
        expect(error.type).toBe("server_error");
        expect(error.code).toBe("rate_limit_store_unavailable");
        // A caller without limits is not held up by the missing store.
        await expect(
          platform()
            .client()
            .chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "hi" }] }),
        ).resolves.toMatchObject({ object: "chat.completion" });
      } finally {
        await proxy.restore();
      }
      // ioredis reconnects by itself (backing off up to 2 s): poll until the limited key works again.
      const deadline = Date.now() + 10_000;
      let remaining: string | null = null;
      while (remaining === null && Date.now() < deadline) {
        const result = await client.chat.completions
          .create({ model: "fake-model", messages: [{ role: "user", content: "hi" }] })
          .withResponse()
          .catch(() => null);
        if (result) remaining = result.response.headers.get("x-ratelimit-remaining-requests");
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The refused request was never counted; the two admitted ones were.
      expect(remaining).toBe("98");
    });
  },
});
