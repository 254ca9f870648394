// The Redis the tests use (127.0.0.1:6379 on developers' machines and in CI, or CUSTODIAN_TEST_REDIS_URL),
// and a fresh key prefix per test run that is cleaned up afterwards.
import { Redis } from "ioredis";
import { randomToken } from "../../src/core/ids.ts";

export const testRedisUrl = process.env.CUSTODIAN_TEST_REDIS_URL || "redis://127.0.0.1:6379";

/** A key prefix no other run uses. */
export function testRedisPrefix(): string {
  return `custodian-test:${randomToken(8)}:`;
}

/** Delete every key under a test's prefix (month windows would otherwise linger for weeks). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}
