import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { settingOf } from "../../test/helpers/config.ts";
import { loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("has embedded defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8443,
      databaseUrl: null,
      upstreams: [],
      http: false,
      tls: null,
    });
    expect(config.dataDir).toBe(path.resolve(".custodian"));
    expect(config.masterKey).toEqual({ kind: "file", path: path.resolve(".custodian/master.key") });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("names the setting that is wrong", () => {
    expect(settingOf({ CUSTODIAN_PORT: "eighty" })).toBe("CUSTODIAN_PORT");
    expect(settingOf({ CUSTODIAN_PORT: "70000" })).toBe("CUSTODIAN_PORT");
    expect(settingOf({ CUSTODIAN_HOST: "not a host" })).toBe("CUSTODIAN_HOST");
    expect(settingOf({ CUSTODIAN_DATABASE_URL: "mysql://x" })).toBe("CUSTODIAN_DATABASE_URL");
    expect(settingOf({ CUSTODIAN_MASTER_KEY: "c2hvcnQ=" })).toBe("CUSTODIAN_MASTER_KEY");
    expect(settingOf({ CUSTODIAN_UPSTREAMS: "{" })).toBe("CUSTODIAN_UPSTREAMS");
    expect(settingOf({ CUSTODIAN_UPSTREAMS: '[{"name":"a","baseURL":"ftp://x","models":["m"]}]' })).toBe(
      "CUSTODIAN_UPSTREAMS[0].baseURL",
    );
    expect(settingOf({ CUSTODIAN_UPSTREAMS: '[{"name":"a","baseURL":"http://x","models":[]}]' })).toBe(
      "CUSTODIAN_UPSTREAMS[0].models",
    );
    expect(settingOf({ CUSTODIAN_TLS_CERT_FILE: "/x.pem" })).toBe("CUSTODIAN_TLS_KEY_FILE");
    expect(settingOf({ CUSTODIAN_LOG_LEVEL: "loud" })).toBe("CUSTODIAN_LOG_LEVEL");
  });

  it("[SEC-2] allows plain HTTP only on a loopback address", () => {
    expect(loadConfig({ CUSTODIAN_HTTP: "1" }).http).toBe(true);
    expect(loadConfig({ CUSTODIAN_HTTP: "1", CUSTODIAN_HOST: "::1" }).http).toBe(true);
    expect(settingOf({ CUSTODIAN_HTTP: "1", CUSTODIAN_HOST: "0.0.0.0" })).toBe("CUSTODIAN_HTTP");
    expect(settingOf({ CUSTODIAN_HTTP: "1", CUSTODIAN_HOST: "10.1.2.3" })).toBe("CUSTODIAN_HTTP");
  });

  it("reads upstreams with model name mapping", () => {
    const config = loadConfig({
      CUSTODIAN_UPSTREAMS: JSON.stringify([
        {
          name: "vllm",
          baseURL: "https://10.0.0.5:8000/v1/",
          apiKey: "k",
          models: ["a", { id: "b", upstream: "org/b" }],
        },
      ]),
    });
    expect(config.upstreams).toEqual([
      {
        name: "vllm",
        baseURL: "https://10.0.0.5:8000/v1",
        apiKey: "k",
        models: [
          { id: "a", upstreamId: "a" },
          { id: "b", upstreamId: "org/b" },
        ],
      },
    ]);
  });

  it("reads a config file under the environment", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "custodian-config-")), "config.json");
    writeFileSync(file, JSON.stringify({ port: 9000, host: "127.0.0.2", logLevel: "warn" }));
    const config = loadConfig({ CUSTODIAN_CONFIG_FILE: file, CUSTODIAN_PORT: "9001" });
    expect(config).toMatchObject({ port: 9001, host: "127.0.0.2", logLevel: "warn" });
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(settingOf({ CUSTODIAN_CONFIG_FILE: file })).toBe(`${file}: prot`);
  });
});
