import { describe, expect, it } from "vitest";
import { timeOrderedId } from "./ids.ts";

describe("timeOrderedId", () => {
  it("sorts by creation time, as bytes, across every digit carry and far into the future", () => {
    const start = Date.UTC(2026, 0, 1);
    // Steps that carry one base-36 digit after another (36, 36², ...) and then decades.
    const times = [0, 1, 35, 36, 1_295, 1_296, 46_655, 46_656, 1e9, 1e11, 1e12, 4e12].map(
      (step) => start + step,
    );
    const ids = times.map((time) => timeOrderedId("req", time));
    const sorted = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(sorted).toEqual(ids);
    // The control: the same check on the random part alone would not hold in general.
    const randomParts = times.map((time) => timeOrderedId("req", time).slice(13));
    expect([...randomParts].sort()).not.toEqual(randomParts);
  });

  it("is the prefix, nine lower-case base-36 digits of time and 16 random characters", () => {
    const id = timeOrderedId("apirec");
    expect(id).toMatch(/^apirec_[0-9a-z]{9}[0-9A-Za-z]{16}$/);
    const now = Date.now();
    expect(Math.abs(parseInt(id.slice(7, 16), 36) - now)).toBeLessThan(60_000);
  });

  it("differs between ids made in the same millisecond", () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => timeOrderedId("cls", 1_700_000_000_000)));
    expect(ids.size).toBe(1_000);
  });
});
