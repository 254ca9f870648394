// The model router while a model is being prepared (the demo model's first build): calls to it answer
// 503 model_not_ready, not "does not exist"; once its provider arrives it is served; a provider that
// arrives after the router closed is closed at once.
import { describe, expect, it } from "vitest";
import type { LanguageModel, Provider } from "./language-model.ts";
import { ModelRouter } from "./model-router.ts";

function providerOf(id: string): Provider & { closed: boolean } {
  const model = { specificationVersion: "v1", id, ownedBy: "test" } as unknown as LanguageModel;
  return {
    name: `provider of ${id}`,
    closed: false,
    models: () => [model],
    async close() {
      this.closed = true;
    },
  };
}

describe("ModelRouter", () => {
  it("answers model_not_ready while a model is prepared, then serves it", async () => {
    const router = new ModelRouter([providerOf("served")]);
    let progress = 0.25;
    router.prepare("building", () => progress);
    expect(router.preparing()).toEqual([{ id: "building", progress: 0.25 }]);
    progress = 0.5;
    expect(router.preparing()).toEqual([{ id: "building", progress: 0.5 }]);
    await expect(router.resolve("building", "org_1")).rejects.toMatchObject({
      status: 503,
      code: "model_not_ready",
    });
    await expect(router.resolve("missing", "org_1")).rejects.toMatchObject({ status: 404 });

    router.finishPreparing("building", providerOf("building"));
    expect(router.preparing()).toEqual([]);
    expect((await router.resolve("building", "org_1")).id).toBe("building");
    expect(router.list().map((model) => model.id)).toEqual(["served", "building"]);
  });

  it("forgets a preparation that failed, and closes a provider that arrives after close", async () => {
    const router = new ModelRouter([]);
    router.prepare("failed", () => 0);
    router.finishPreparing("failed", null);
    await expect(router.resolve("failed", "org_1")).rejects.toMatchObject({ status: 404 });

    router.prepare("late", () => 0.9);
    await router.close();
    const late = providerOf("late");
    router.finishPreparing("late", late);
    expect(late.closed).toBe(true);
    expect(router.list()).toEqual([]);
  });
});
