import { describe, expect, it } from "vitest";
import { TrainingMetrics } from "./training-metrics.ts";

describe("TrainingMetrics", () => {
  it("reports the start, each epoch, and steps within long epochs at most once a second", () => {
    let now = 0;
    const metrics = new TrainingMetrics(2, () => now);
    expect(
      metrics.eventFor({ type: "started", pid: 1, window: 256, tokens: 1000, windows: 4, stepsPerEpoch: 4 }),
    ).toMatchObject({ type: "message", data: { tokens: 1000, steps_per_epoch: 4 } });
    const step = (epoch: number, index: number) =>
      metrics.eventFor({
        type: "progress",
        epoch,
        step: index,
        steps: 4,
        loss: 3,
        accuracy: 0.1,
        tokensPerSecond: 500,
      });
    expect(step(1, 1)).toBeNull(); // Too soon after the start.
    now = 1500;
    expect(step(1, 2)).toMatchObject({ type: "metrics", data: { step: 2, epoch: 1, train_loss: 3 } });
    now = 1600;
    expect(step(1, 3)).toBeNull(); // Throttled.
    now = 5000;
    expect(step(1, 4)).toBeNull(); // The epoch's event reports its last step.
    expect(metrics.eventFor({ type: "epoch", epoch: 1, loss: 2.5, accuracy: 0.2, seconds: 5 })).toMatchObject(
      {
        type: "metrics",
        message: "Epoch 1/2: training loss 2.5000",
        data: { step: 4, epoch: 1, train_loss: 2.5, tokens_per_second: 500 },
      },
    );
    now = 7000;
    expect(step(2, 1)).toMatchObject({ data: { step: 5, epoch: 2 } });
    expect(metrics.eventFor({ type: "saved", outputPath: "/x" })).toBeNull();
    expect(metrics.tokens).toBe(1000);
  });
});
