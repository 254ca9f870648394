// The budget alert webhook settings: validated once at start, like every setting.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const secret = "s".repeat(32);

describe("CUSTODIAN_BUDGET_WEBHOOK_URL and _SECRET", () => {
  it("are off by default and read as a URL and secret when set", () => {
    expect(loadConfig({}).budgetWebhook).toBeNull();
    expect(
      loadConfig({
        CUSTODIAN_BUDGET_WEBHOOK_URL: "https://alerts.example.com/custodian",
        CUSTODIAN_BUDGET_WEBHOOK_SECRET: secret,
      }).budgetWebhook,
    ).toEqual({ url: "https://alerts.example.com/custodian", secret });
    expect(
      loadConfig({
        CUSTODIAN_BUDGET_WEBHOOK_URL: "http://127.0.0.1:9000/",
        CUSTODIAN_BUDGET_WEBHOOK_SECRET: secret,
      }).budgetWebhook?.url,
    ).toBe("http://127.0.0.1:9000/");
  });

  it("refuse plain http off loopback, a short or missing secret, and a secret without a URL", () => {
    const cases: Array<[Record<string, string>, string]> = [
      [
        {
          CUSTODIAN_BUDGET_WEBHOOK_URL: "http://alerts.example.com/",
          CUSTODIAN_BUDGET_WEBHOOK_SECRET: secret,
        },
        "URL",
      ],
      [{ CUSTODIAN_BUDGET_WEBHOOK_URL: "ftp://127.0.0.1/", CUSTODIAN_BUDGET_WEBHOOK_SECRET: secret }, "URL"],
      [{ CUSTODIAN_BUDGET_WEBHOOK_URL: "not a url", CUSTODIAN_BUDGET_WEBHOOK_SECRET: secret }, "URL"],
      [
        { CUSTODIAN_BUDGET_WEBHOOK_URL: "https://a.example/", CUSTODIAN_BUDGET_WEBHOOK_SECRET: "short" },
        "SECRET",
      ],
      [{ CUSTODIAN_BUDGET_WEBHOOK_URL: "https://a.example/" }, "SECRET"],
      [{ CUSTODIAN_BUDGET_WEBHOOK_SECRET: secret }, "SECRET"],
    ];
    for (const [env, setting] of cases) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
      try {
        loadConfig(env);
      } catch (error) {
        expect((error as ConfigError).setting).toBe(`CUSTODIAN_BUDGET_WEBHOOK_${setting}`);
        // The secret is never echoed back in the error.
        expect((error as Error).message).not.toContain(secret);
      }
    }
  });
});
