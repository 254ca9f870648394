import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGuard, type FakeGuard } from "../../test/helpers/fake-guard.ts";
import { ModelRouter } from "../inference/model-router.ts";
import { OpenAICompatibleProvider } from "../inference/openai-compatible-provider.ts";
import { ModelClassifier, parseVerdict, VerdictError } from "./model-classifier.ts";

describe("model classifier", () => {
  let guard: FakeGuard;
  let router: ModelRouter;

  beforeAll(async () => {
    guard = await startFakeGuard();
    router = new ModelRouter([
      new OpenAICompatibleProvider(
        {
          name: "guard",
          baseURL: guard.baseURL,
          apiKey: null,
          models: [{ id: "llama-guard", upstreamId: "meta-llama/Llama-Guard-3-1B" }],
        },
        { timeoutMs: 5_000 },
      ),
    ]);
  });
  afterAll(async () => {
    await router?.close();
    await guard?.close();
  });

  it("parses Llama Guard verdicts", () => {
    expect(parseVerdict("safe")).toEqual({ safe: true, codes: [] });
    expect(parseVerdict("  unsafe\nS1,S10\n")).toEqual({ safe: false, codes: ["S1", "S10"] });
    expect(parseVerdict("UNSAFE\r\ns2, s14")).toEqual({ safe: false, codes: ["S2", "S14"] });
    expect(parseVerdict("unsafe")).toEqual({ safe: false, codes: [] });
    expect(parseVerdict("Sure! Here is")).toBeNull();
    expect(parseVerdict("")).toBeNull();
  });

  it("[API-3] asks a configured model through the router and maps its hazard codes", async () => {
    const classifier = new ModelClassifier(router.get("llama-guard"));
    const unsafe = await classifier.classify("plan an attack");
    expect(unsafe.flagged).toBe(true);
    expect(unsafe.classifier).toBe("model:llama-guard");
    expect(unsafe.categories).toMatchObject({
      violence: true,
      "illicit/violent": true,
      hate: true,
      sexual: false,
    });
    expect(unsafe.scores.hate).toBe(1);
    const safe = await classifier.classify("bake bread");
    expect(safe.flagged).toBe(false);
    expect(Object.values(safe.categories).every((value) => !value)).toBe(true);
    expect(guard.seen).toEqual(["plan an attack", "bake bread"]);
  });

  it("[API-3] refuses an answer that is not a verdict, without quoting it", async () => {
    const classifier = new ModelClassifier(router.get("llama-guard"));
    const failure = classifier.classify("babble CANARY-guard-9c1");
    await expect(failure).rejects.toBeInstanceOf(VerdictError);
    await expect(failure).rejects.not.toThrow(/cooking|CANARY/);
  });
});
