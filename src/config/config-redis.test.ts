// The Redis settings for the limit counters: validated once at start, and never echoed with a password.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("CUSTODIAN_REDIS_URL and CUSTODIAN_REDIS_KEY_PREFIX", () => {
  it("are off by default (the database counts) and read as a URL and key prefix when set", () => {
    expect(loadConfig({}).redis).toBeNull();
    expect(loadConfig({ CUSTODIAN_REDIS_URL: "redis://:pw@127.0.0.1:6379/2" }).redis).toEqual({
      url: "redis://:pw@127.0.0.1:6379/2",
      keyPrefix: "custodian:",
    });
    expect(
      loadConfig({ CUSTODIAN_REDIS_URL: "rediss://cache.internal:6380", CUSTODIAN_REDIS_KEY_PREFIX: "eu1:" })
        .redis,
    ).toEqual({ url: "rediss://cache.internal:6380", keyPrefix: "eu1:" });
  });

  it("refuse what is not a redis URL, naming the setting and never the value", () => {
    for (const [env, setting] of [
      [{ CUSTODIAN_REDIS_URL: "http://127.0.0.1:6379" }, "CUSTODIAN_REDIS_URL"],
      [{ CUSTODIAN_REDIS_URL: "not a url :secret-pw" }, "CUSTODIAN_REDIS_URL"],
      [
        { CUSTODIAN_REDIS_URL: "redis://127.0.0.1", CUSTODIAN_REDIS_KEY_PREFIX: "has space" },
        "CUSTODIAN_REDIS_KEY_PREFIX",
      ],
    ] as const) {
      const failure = (() => {
        try {
          loadConfig(env);
        } catch (error) {
          return error;
        }
        return null;
      })();
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).setting).toBe(setting);
      expect((failure as Error).message).not.toContain("secret-pw");
    }
  });
});
