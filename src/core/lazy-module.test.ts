import { describe, expect, it } from "vitest";
import { lazyModule } from "./lazy-module.ts";

describe("lazyModule", () => {
  it("imports once, on the first call, and shares that import", async () => {
    let imports = 0;
    const load = lazyModule(async () => ({ value: ++imports }));
    expect(imports).toBe(0);
    const [first, second] = await Promise.all([load(), load()]);
    expect(first).toBe(second);
    expect(await load()).toBe(first);
    expect(imports).toBe(1);
  });

  it("does not keep a failed import: the next call tries again", async () => {
    let attempts = 0;
    const load = lazyModule(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error("not installed yet");
      return { ok: true };
    });
    await expect(load()).rejects.toThrow("not installed yet");
    await expect(load()).resolves.toEqual({ ok: true });
    expect(attempts).toBe(2);
  });
});
