import { setTimeout as sleep } from "node:timers/promises";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { collectWhenIdle, fullCollection } from "./collect-when-idle.ts";

describe("collectWhenIdle", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A thread whose CPU time the test sets window by window. */
  function thread(collect = vi.fn<() => void>()) {
    vi.useFakeTimers();
    let cpu = 0;
    const collector = collectWhenIdle({ windowMs: 1_000, idleShare: 0.05, cpuMicros: () => cpu, collect });
    const window = (usedMicros: number) => {
      cpu += usedMicros;
      vi.advanceTimersByTime(1_000);
    };
    return { collect, collector, window };
  }

  it("collects once when the thread goes quiet after start-up, and again only after it was busy", () => {
    const { collect, collector, window } = thread();
    window(40_000); // 4% of the window: idle, and start-up counts as busy
    expect(collect).toHaveBeenCalledTimes(1);
    window(0);
    window(10_000);
    expect(collect).toHaveBeenCalledTimes(1);
    window(600_000); // busy
    window(300_000); // still busy
    expect(collect).toHaveBeenCalledTimes(1);
    window(1_000);
    expect(collect).toHaveBeenCalledTimes(2);
    window(0);
    expect(collect).toHaveBeenCalledTimes(2);
    collector.stop();
    window(900_000);
    window(0);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it("survives a collection that fails, and tries again after the next busy spell", () => {
    const failing = vi.fn<() => void>(() => {
      throw new Error("gc is not defined");
    });
    const { collect, collector, window } = thread(failing);
    window(0);
    expect(collect).toHaveBeenCalledTimes(1);
    window(900_000);
    window(0);
    expect(collect).toHaveBeenCalledTimes(2);
    collector.stop();
  });

  it("does not collect while the thread stays busy", () => {
    const { collect, collector, window } = thread();
    for (let index = 0; index < 10; index += 1) window(50_000); // 5%: not below the share
    expect(collect).not.toHaveBeenCalled();
    collector.stop();
  });
});

describe("fullCollection", () => {
  it("collects what nothing refers to, without leaving gc exposed to other contexts", async () => {
    const collect = fullCollection();
    const holder: object[] = [{ payload: new Array(1_000).fill("x") }];
    const reference = new WeakRef(holder[0]!);
    // A WeakRef's target stays alive until the end of the job that created or read it.
    await sleep(0);
    collect();
    // The positive control: while something refers to it, a collection keeps it.
    expect(reference.deref()).toBe(holder[0]);
    holder.length = 0;
    await sleep(0);
    collect();
    expect(reference.deref()).toBeUndefined();
    expect(runInNewContext("typeof gc")).toBe("undefined");
  });
});
