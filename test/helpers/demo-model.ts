// The real demo model for tests that chat with it: built once per checkout (it trains for about
// 20 s) into a git-ignored cache, then reused by every later test run.
import path from "node:path";
import { ensureDemoModel, type DemoModel } from "../../src/finetune/demo-model.ts";

const cache = path.resolve(import.meta.dirname, "../../test-artifacts/demo-model-cache");

export function sharedDemoModel(): Promise<DemoModel> {
  return ensureDemoModel(cache);
}

/** Settings that serve the shared demo model in a test platform, on one thread. */
export async function demoModelEnv(): Promise<Record<string, string>> {
  const model = await sharedDemoModel();
  return {
    CUSTODIAN_MODELS: JSON.stringify([{ id: model.id, path: model.path }]),
    CUSTODIAN_LLAMA_THREADS: "1",
  };
}
