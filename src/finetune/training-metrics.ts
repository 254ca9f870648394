// Turns the trainer's progress into job events: a message when training starts, metrics at each
// epoch's end and at most once a second within long epochs. Numbers only, never training text.
import type { TrainingProgress } from "./trainer/trainer.ts";

export interface JobEvent {
  type: "message" | "metrics";
  message: string;
  data: Record<string, number>;
}

/** How often a long epoch reports its running loss. */
const stepEventEveryMs = 1_000;

export class TrainingMetrics {
  readonly #epochs: number;
  readonly #now: () => number;
  #stepsPerEpoch = 1;
  #lastStepEventAt = 0;
  #tokensPerSecond = 0;
  /** Tokens in the training stream, once training has started. */
  tokens = 0;

  get stepsPerEpoch(): number {
    return this.#stepsPerEpoch;
  }

  constructor(epochs: number, now: () => number = Date.now) {
    this.#epochs = epochs;
    this.#now = now;
  }

  /** The event to record for this progress, if any. */
  eventFor(progress: TrainingProgress): JobEvent | null {
    switch (progress.type) {
      case "started":
        this.tokens = progress.tokens;
        this.#stepsPerEpoch = Math.max(1, progress.stepsPerEpoch);
        this.#lastStepEventAt = this.#now();
        return {
          type: "message",
          message: `Training started: ${progress.tokens} tokens in ${progress.windows} windows of ${progress.window}, ${this.#stepsPerEpoch} steps per epoch`,
          data: { tokens: progress.tokens, windows: progress.windows, steps_per_epoch: this.#stepsPerEpoch },
        };
      case "progress": {
        this.#tokensPerSecond = progress.tokensPerSecond;
        const now = this.#now();
        // The last step of an epoch is reported by the epoch's own event.
        if (progress.step >= progress.steps || now - this.#lastStepEventAt < stepEventEveryMs) return null;
        this.#lastStepEventAt = now;
        const step = (progress.epoch - 1) * this.#stepsPerEpoch + progress.step;
        return {
          type: "metrics",
          message: `Step ${step}/${this.#epochs * this.#stepsPerEpoch}: training loss ${progress.loss.toFixed(4)}`,
          data: {
            step,
            epoch: progress.epoch,
            train_loss: progress.loss,
            train_mean_token_accuracy: progress.accuracy,
            tokens_per_second: progress.tokensPerSecond,
          },
        };
      }
      case "epoch":
        this.#lastStepEventAt = this.#now();
        return {
          type: "metrics",
          message: `Epoch ${progress.epoch}/${this.#epochs}: training loss ${progress.loss.toFixed(4)}`,
          data: {
            step: progress.epoch * this.#stepsPerEpoch,
            epoch: progress.epoch,
            train_loss: progress.loss,
            train_mean_token_accuracy: progress.accuracy,
            tokens_per_second: this.#tokensPerSecond,
            epoch_seconds: progress.seconds,
          },
        };
      case "saved":
        return null;
    }
  }
}
