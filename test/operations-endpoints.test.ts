// Health, readiness, metrics and graceful shutdown, against a real server.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/config.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

const canary = "CANARY-metrics-51c9";

describe("operations endpoints", () => {
  // The operator's explicit opt-out: loopback clients read /metrics without a token.
  const platform = useTestPlatformWithUpstream({ env: { CUSTODIAN_METRICS_WITHOUT_TOKEN: "true" } });

  it("answers /healthz and /readyz with the database checked", async () => {
    expect((await fetch(`${platform.server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${platform.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { database: "ok" } });
  });

  it("[SEC-1] exports request and token metrics that hold no content, keys or ids (loopback, opted out of the token)", async () => {
    await platform
      .client()
      .chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: canary }] });
    const response = await fetch(`${platform.server.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(
      /custodian_http_requests_total\{route="\/v1\/chat\/completions",method="POST",status="200"\} 1/,
    );
    expect(text).toMatch(/custodian_tokens_total\{model="fake-model",kind="prompt"\} 7/);
    expect(text).toMatch(
      /custodian_completions_total\{model="fake-model",endpoint="chat.completions",status="completed"\} 1/,
    );
    expect(text).not.toContain(canary);
    expect(text).not.toContain(platform.apiKey);
    expect(text).not.toContain(platform.organization);
  });

  it("lets an in-flight stream finish when the server shuts down", async () => {
    platform.upstream.behaviour = { kind: "slow-stream", chunks: 15, intervalMs: 20 };
    const stream = await platform.client().chat.completions.create({
      model: "fake-model",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    let words = 0;
    let closing: Promise<void> | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) words += 1;
      if (words === 2 && !closing) closing = platform.server.close();
    }
    await closing;
    expect(words).toBe(15);
  });
});

describe("metrics with a token", () => {
  const platform = useTestPlatformWithUpstream({ env: { CUSTODIAN_METRICS_TOKEN: "metrics-secret" } });

  it("[SEC-3] requires the token when one is configured, from loopback clients too", async () => {
    expect((await fetch(`${platform.server.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${platform.server.url}/metrics`, {
      headers: { authorization: "Bearer metrics-secreT" },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain("custodian_process_resident_memory_bytes");
    const response = await fetch(`${platform.server.url}/metrics`, {
      headers: { authorization: "Bearer metrics-secret" },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("custodian_process_resident_memory_bytes");
  });
});

describe("metrics without a token or an opt-out", () => {
  const platform = useTestPlatformWithUpstream();

  it("[SEC-3] refuses loopback clients (everyone behind a reverse proxy on the host) unless the operator opts out", async () => {
    const refused = await fetch(`${platform.server.url}/metrics`);
    expect(refused.status).toBe(403);
    const text = await refused.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "metrics_token_required" } });
    expect(text).not.toContain("custodian_process_resident_memory_bytes");
    expect(loadConfig({}).metricsWithoutToken).toBe(false);
    expect(loadConfig({ CUSTODIAN_METRICS_WITHOUT_TOKEN: "true" }).metricsWithoutToken).toBe(true);
    expect(() => loadConfig({ CUSTODIAN_METRICS_WITHOUT_TOKEN: "yes" })).toThrow(ConfigError);
  });
});
