// A test platform serving the local demo model beside a scripted upstream (model `up-model`, forwarded
// as `real-name`), for tests that compare the two backends through the official client.
import type OpenAI from "openai";
import { demoModelEnv } from "./demo-model.ts";
import { startTestPlatform, type TestPlatform } from "./platform.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "./scripted-upstream.ts";

export interface DemoAndUpstream {
  upstream: ScriptedUpstream;
  platform: TestPlatform;
  client: OpenAI;
  /** The demo model's id. */
  local: string;
  close(): Promise<void>;
}

export async function startDemoAndUpstream(
  options: {
    env?: Record<string, string>;
    upstreams?: (baseURL: string) => unknown[];
    timeout?: number;
  } = {},
): Promise<DemoAndUpstream> {
  const upstream = await startScriptedUpstream();
  const env = await demoModelEnv();
  const local = (JSON.parse(env.CUSTODIAN_MODELS!) as Array<{ id: string }>)[0]!.id;
  const platform = await startTestPlatform({
    env: { ...env, ...options.env },
    upstreams: [
      { name: "up", baseURL: upstream.baseURL, models: [{ id: "up-model", upstream: "real-name" }] },
      ...(options.upstreams?.(upstream.baseURL) ?? []),
    ],
  });
  return {
    upstream,
    platform,
    local,
    client: platform.client({ timeout: options.timeout ?? 120_000 }),
    async close() {
      await platform.close();
      await upstream.close();
    },
  };
}
