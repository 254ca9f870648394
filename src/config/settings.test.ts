// The settings schema is the one source: the README's table matches it, every setting is named once,
// and what it marks secret is never printed, however the configuration is printed.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";
import { settings } from "./settings.ts";
import { settingsTable, tableEnd, tableStart, withSettingsTable } from "./settings-table.ts";

const readme = readFileSync(path.join(import.meta.dirname, "..", "..", "README.md"), "utf8");

/** A valid value for each secret setting, each holding a canary that must never be printed. */
const masterKey = Buffer.alloc(32, 7).toString("base64");
const secretEnv = {
  CUSTODIAN_DATABASE_URL: "postgres://custodian:canary-db-password@127.0.0.1:5432/custodian",
  CUSTODIAN_MASTER_KEY: masterKey,
  CUSTODIAN_METRICS_TOKEN: "canary-metrics-token",
  CUSTODIAN_BUDGET_WEBHOOK_URL: "https://alerts.example.com/budget",
  CUSTODIAN_BUDGET_WEBHOOK_SECRET: "canary-budget-secret-0123456789abcdef",
  CUSTODIAN_SECURITY_WEBHOOK_URL: "https://pager.example.com/security",
  CUSTODIAN_SECURITY_WEBHOOK_SECRET: "canary-security-secret-0123456789abcdef",
  CUSTODIAN_REDIS_URL: "redis://:canary-redis-password@127.0.0.1:6379/2",
  CUSTODIAN_SMTP_URL: "smtps://mailer:canary-smtp-password@smtp.example.com",
  CUSTODIAN_UPSTREAMS: JSON.stringify([
    { name: "vllm", baseURL: "https://models.internal/v1", apiKey: "canary-upstream-key", models: ["m"] },
  ]),
  CUSTODIAN_DATA_DIR: "/srv/custodian-visible-data-dir",
};
const canaries = [
  "canary-db-password",
  "canary-smtp-password",
  masterKey,
  "canary-metrics-token",
  "canary-budget-secret",
  "canary-security-secret",
  "canary-redis-password",
  "canary-upstream-key",
];

describe("the settings schema", () => {
  it("is what the README's settings table says (npm run docs:settings writes it)", () => {
    expect(readme).toContain(tableStart);
    expect(readme).toContain(tableEnd);
    const shown = readme
      .slice(readme.indexOf(tableStart) + tableStart.length, readme.indexOf(tableEnd))
      .trim();
    expect(shown).toBe(settingsTable());
    expect(withSettingsTable(readme)).toBe(readme);
  });

  it("names each setting once, with a description, and reads each from the environment and the file", () => {
    const variables = Object.values(settings).map(({ schema }) => schema.env);
    expect(new Set(variables).size).toBe(variables.length);
    for (const [key, { schema }] of Object.entries(settings)) {
      expect(schema.env, key).toMatch(/^CUSTODIAN_[A-Z0-9_]+$/);
      expect(schema.description.length, key).toBeGreaterThan(5);
      expect(typeof schema.secret, key).toBe("boolean");
    }
    // A value the setting cannot take is refused under its variable's name, from either source.
    const file = path.join(mkdtempSync(path.join(tmpdir(), "custodian-settings-")), "config.json");
    const settingOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).setting;
      }
      return null;
    };
    let checked = 0;
    for (const [key, { schema }] of Object.entries(settings)) {
      if (schema.input !== "flag" && schema.input !== "integer" && schema.input !== "json") continue;
      expect(settingOf({ [schema.env]: "not-a-value" }), key).toBe(schema.env);
      writeFileSync(file, JSON.stringify({ [key]: "not-a-value" }));
      expect(settingOf({ CUSTODIAN_CONFIG_FILE: file }), key).toBe(schema.env);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("freezes the configuration, nested parts included", () => {
    const config = loadConfig(secretEnv);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.llama)).toBe(true);
    expect(Object.isFrozen(config.upstreams[0]!.models[0])).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it("never prints a secret setting: not as JSON, not through pino, not by util.inspect, whole or in part", () => {
    const secretSettings = Object.values(settings)
      .filter(({ schema }) => schema.secret)
      .map(({ schema }) => schema.env);
    // Every setting the schema marks secret is exercised here (a new one must be added above).
    for (const env of secretSettings) expect(Object.keys(secretEnv)).toContain(env);

    const config = loadConfig(secretEnv);
    // Positive control: the secrets are there to be used, so a scan of the printed forms could find them.
    expect(config.databaseUrl).toContain("canary-db-password");
    expect(config.metricsToken).toBe("canary-metrics-token");
    expect(config.redis?.url).toContain("canary-redis-password");
    expect(config.upstreams[0]!.apiKey).toBe("canary-upstream-key");
    expect(config.masterKey).toMatchObject({ kind: "env" });

    let logged = "";
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk, _encoding, done) {
          logged += String(chunk);
          done();
        },
      }),
    );
    logger.info({ config }, "configuration");
    logger.info(
      { redis: config.redis, upstream: config.upstreams[0], webhook: config.budgetWebhook },
      "parts",
    );
    logger.info({ masterKey: config.masterKey }, "key");
    const printed = [
      JSON.stringify(config),
      JSON.stringify(config.securityWebhook),
      inspect(config, { depth: null }),
      inspect(config.upstreams, { depth: null }),
      logged,
    ];
    for (const output of printed) {
      // What is not secret is printed, so the scan reads real output.
      expect(output).toMatch(/\[secret\]/);
      for (const canary of canaries) expect(output).not.toContain(canary);
    }
    expect(printed[0]).toContain("/srv/custodian-visible-data-dir");
    expect(logged).toContain("https://models.internal/v1");
  });

  it("never echoes a secret setting's value in the error that refuses it", () => {
    const refused: Array<Record<string, string>> = [
      { CUSTODIAN_DATABASE_URL: "mysql://root:canary-db-password@db" },
      { CUSTODIAN_MASTER_KEY: "canary-metrics-token" },
      { CUSTODIAN_REDIS_URL: "http://:canary-redis-password@cache" },
      {
        CUSTODIAN_BUDGET_WEBHOOK_URL: "https://alerts.example.com/",
        CUSTODIAN_BUDGET_WEBHOOK_SECRET: "canary-budget-secret",
      },
      { CUSTODIAN_UPSTREAMS: '[{"name":"u","baseURL":"https://m.internal","apiKey":7,"models":["m"]}]' },
    ];
    for (const env of refused) {
      const failure = (() => {
        try {
          loadConfig(env);
        } catch (error) {
          return error;
        }
        return null;
      })();
      expect(failure, JSON.stringify(Object.keys(env))).toBeInstanceOf(ConfigError);
      for (const canary of canaries) expect((failure as Error).message).not.toContain(canary);
    }
  });
});
