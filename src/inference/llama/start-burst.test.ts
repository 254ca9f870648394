import { describe, expect, it } from "vitest";
import { StartBurst } from "./start-burst.ts";

/** Lets every pending promise callback and timer of this turn run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("StartBurst", () => {
  it("starts a lone request at once", async () => {
    const burst = new StartBurst(60_000);
    let started = false;
    void burst.start(0).then(() => (started = true));
    await settle();
    expect(started).toBe(true);
    expect(burst.holding).toBe(0);
  });

  it("holds requests with followers until the last arrives, then starts them together in arrival order", async () => {
    // A window far longer than the test: only the last arrival can release the others.
    const burst = new StartBurst(60_000);
    const order: string[] = [];
    void burst.start(2).then(() => order.push("first"));
    void burst.start(1).then(() => order.push("second"));
    await settle();
    // Positive control: while a follower is still announced, nothing has started.
    expect(order).toEqual([]);
    expect(burst.holding).toBe(2);
    void burst.start(0).then(() => order.push("last"));
    await settle();
    expect(order).toEqual(["first", "second", "last"]);
    expect(burst.holding).toBe(0);
  });

  it("starts the held requests when the window ends and the announced follower never came", async () => {
    // Long enough that the window cannot end before the check below, even on a loaded host (with 1 ms
    // it once ended before `settle` returned), short enough for the test.
    const burst = new StartBurst(1_000);
    let started = false;
    void burst.start(3).then(() => (started = true));
    await settle();
    expect(burst.holding).toBe(1);
    await expect.poll(() => started, { timeout: 30_000 }).toBe(true);
    expect(burst.holding).toBe(0);
  });
});
