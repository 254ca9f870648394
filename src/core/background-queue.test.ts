import { describe, expect, it } from "vitest";
import { BackgroundQueue, errorFields } from "./background-queue.ts";

function queue(handle: (batch: number[]) => Promise<void>, maxQueued = 100) {
  const failures: number[][] = [];
  const drops: number[] = [];
  const background = new BackgroundQueue<number>({
    maxQueued,
    batchSize: 3,
    delayMs: 0,
    handle,
    failed: (_error, batch) => failures.push(batch),
    dropped: (count) => drops.push(count),
  });
  return { background, failures, drops };
}

describe("BackgroundQueue", () => {
  it("hands queued items over in batches, after the caller has moved on", async () => {
    const batches: number[][] = [];
    const { background } = queue(async (batch) => void batches.push(batch));
    for (let item = 1; item <= 7; item += 1) background.push(item);
    expect(batches).toEqual([]);
    await background.flush();
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("reports a failed batch and goes on with the next", async () => {
    const handled: number[] = [];
    const { background, failures } = queue(async (batch) => {
      if (batch.includes(2)) throw new Error("boom");
      handled.push(...batch);
    });
    for (let item = 1; item <= 5; item += 1) background.push(item);
    await background.flush();
    expect(failures).toEqual([[1, 2, 3]]);
    expect(handled).toEqual([4, 5]);
  });

  it("drops and counts items beyond its bound", async () => {
    const handled: number[] = [];
    const { background, drops } = queue(async (batch) => void handled.push(...batch), 2);
    for (let item = 1; item <= 5; item += 1) background.push(item);
    await background.flush();
    expect(handled).toEqual([1, 2]);
    expect(drops).toEqual([3]);
  });

  it("logs an error's name and code, never its message", () => {
    const error = Object.assign(new TypeError("the value 'secret' is wrong"), { code: "22P02" });
    expect(errorFields(error)).toEqual({ error: "TypeError", code: "22P02" });
    expect(JSON.stringify(errorFields(error))).not.toContain("secret");
  });
});
