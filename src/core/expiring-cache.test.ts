import { describe, expect, it } from "vitest";
import { ExpiringCache } from "./expiring-cache.ts";

describe("ExpiringCache", () => {
  it("loads once for concurrent misses of one key, and again once the entry is gone", async () => {
    const cache = new ExpiringCache<number>(60_000);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return loads;
    };
    const values = await Promise.all(Array.from({ length: 32 }, () => cache.get("key", load)));
    expect(values).toEqual(Array(32).fill(1));
    expect(loads).toBe(1);
    expect(await cache.get("other", load)).toBe(2);
    // Positive control: without the entry, the next request loads again.
    cache.delete("key");
    expect(await cache.get("key", load)).toBe(3);
    expect(loads).toBe(3);
  });

  it("trusts a value only for its lifetime", async () => {
    const cache = new ExpiringCache<string>(0);
    let loads = 0;
    const load = async () => `value ${++loads}`;
    expect(await cache.get("key", load)).toBe("value 1");
    expect(await cache.get("key", load)).toBe("value 2");
  });

  it("serves a value set by the caller without loading, in place of one loading", async () => {
    const cache = new ExpiringCache<string>(60_000);
    let loads = 0;
    const load = async () => `loaded ${++loads}`;
    // Positive control: an unset key is loaded.
    expect(await cache.get("other", load)).toBe("loaded 1");
    let finish = (_value: string) => {};
    const loading = cache.get("key", () => new Promise<string>((resolve) => (finish = resolve)));
    cache.set("key", "written");
    finish("stale");
    expect(await loading).toBe("stale");
    expect(await cache.get("key", load)).toBe("written");
    expect(loads).toBe(1);
  });

  it("does not keep a failed load", async () => {
    const cache = new ExpiringCache<string>(60_000);
    await expect(cache.get("key", () => Promise.reject(new Error("database away")))).rejects.toThrow(
      "database away",
    );
    expect(await cache.get("key", async () => "loaded")).toBe("loaded");
  });
});
