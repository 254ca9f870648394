// The messages between the trainer and its child process: the job on stdin, events as JSON lines on stdout.

/** What the child trains; sent as one JSON document on its stdin (never argv, which `ps` shows). */
export interface TrainingJob {
  baseModel: string;
  outputPath: string;
  /** The training token stream, rendered and tokenised by the parent (see `training-tokens.ts`). */
  tokens: number[];
  epochs: number;
  learningRate: number;
  /** The learning rate falls linearly to this fraction of itself by the last step; 1 keeps it constant. */
  finalLearningRateFraction: number;
  /** Steps over which the learning rate first rises linearly from near 0; keeps Adam's early steps stable. */
  warmupSteps: number;
  /** Tokens per training window; llama.cpp rounds it up to a multiple of 256. */
  window: number;
  /** Orders the windows; the same seed and data give the same run. */
  seed: number;
  threads: number;
  gpu: boolean;
}

export type TrainingEvent =
  | { type: "started"; pid: number; window: number; tokens: number; windows: number; stepsPerEpoch: number }
  | {
      type: "progress";
      epoch: number;
      step: number;
      steps: number;
      loss: number;
      accuracy: number;
      tokensPerSecond: number;
    }
  | { type: "epoch"; epoch: number; loss: number; accuracy: number; seconds: number }
  | { type: "saved"; outputPath: string }
  | { type: "error"; code: string; message: string };

/** Marks the child's protocol lines, so stray output from native code on stdout is ignored. */
export const eventPrefix = "@custodian-training ";

export function encodeEvent(event: TrainingEvent): string {
  return `${eventPrefix}${JSON.stringify(event)}\n`;
}

export function decodeEvent(line: string): TrainingEvent | undefined {
  if (!line.startsWith(eventPrefix)) return undefined;
  try {
    return JSON.parse(line.slice(eventPrefix.length)) as TrainingEvent;
  } catch {
    return undefined;
  }
}
