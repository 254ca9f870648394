import { describe, expect, it } from "vitest";
import { publicRandomBytes } from "./random.ts";

describe("publicRandomBytes", () => {
  it("hands out each pooled byte once, across refills", () => {
    // 1,000 nonces of 12 bytes cross the 4 KiB pool's refill twice; a reused or unrefilled slice repeats.
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i += 1) {
      const bytes = publicRandomBytes(12);
      expect(bytes).toHaveLength(12);
      seen.add(bytes.toString("hex"));
    }
    expect(seen.size).toBe(1000);
  });

  it("returns copies the caller may keep, not views of the pool", () => {
    const first = publicRandomBytes(16);
    const copy = Buffer.from(first);
    for (let i = 0; i < 600; i += 1) publicRandomBytes(16);
    expect(first.equals(copy)).toBe(true);
  });

  it("refuses sizes beyond what the pool serves", () => {
    expect(() => publicRandomBytes(257)).toThrow(RangeError);
  });
});
