import { describe, expect, it } from "vitest";
import { CustodianError } from "../../core/errors.ts";
import { RequestGate } from "./request-gate.ts";

describe("RequestGate", () => {
  it("admits up to its slots, queues up to its queue, and refuses the rest with 429 and retry-after", async () => {
    const gate = new RequestGate({ model: "m", slots: 2, queue: 1 });
    const signal = new AbortController().signal;
    const first = await gate.acquire(signal);
    await gate.acquire(signal);
    const waiting = gate.acquire(signal);
    expect(gate.waiting).toBe(1);
    const refused = await gate.acquire(signal).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CustodianError);
    expect(refused).toMatchObject({ status: 429, code: "model_overloaded", headers: { "retry-after": "1" } });
    first();
    first(); // a second release of the same slot changes nothing
    const third = await waiting;
    expect(gate.running).toBe(2);
    expect(gate.waiting).toBe(0);
    third();
    expect(gate.running).toBe(1);
  });

  it("drops a waiting request whose client went away", async () => {
    const gate = new RequestGate({ model: "m", slots: 1, queue: 1 });
    const release = await gate.acquire(new AbortController().signal);
    const controller = new AbortController();
    const waiting = gate.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeDefined();
    expect(gate.waiting).toBe(0);
    release();
    expect(gate.running).toBe(0);
  });
});
