// The trainer's error catalogue: why a training run failed, by code, never quoting training data.

import { CustodianError } from "../../core/errors.ts";

export type TrainingFailureReason = "crashed" | "cancelled" | "rejected" | "incomplete";

/** A training run that did not produce a model. */
export class TrainingFailedError extends CustodianError {
  readonly reason: TrainingFailureReason;
  /** The child's exit code or signal, and the tail of its native log, for operators; never shown to callers. */
  readonly diagnostics: { exitCode: number | null; signal: string | null; stderrTail: string };

  constructor(
    message: string,
    reason: TrainingFailureReason,
    code: string,
    diagnostics: TrainingFailedError["diagnostics"],
  ) {
    super(message, {
      status: reason === "rejected" ? 400 : 500,
      type: reason === "rejected" ? "invalid_request_error" : "server_error",
      code,
    });
    this.name = "TrainingFailedError";
    this.reason = reason;
    this.diagnostics = diagnostics;
  }
}

export const trainerErrors = {
  crashed: (diagnostics: TrainingFailedError["diagnostics"]) =>
    new TrainingFailedError(
      `The training process stopped unexpectedly (${diagnostics.signal ?? `exit code ${String(diagnostics.exitCode)}`}).`,
      "crashed",
      "training_crashed",
      diagnostics,
    ),
  cancelled: (diagnostics: TrainingFailedError["diagnostics"]) =>
    new TrainingFailedError(
      "The training run was cancelled.",
      "cancelled",
      "training_cancelled",
      diagnostics,
    ),
  reported: (code: string, message: string, diagnostics: TrainingFailedError["diagnostics"]) =>
    new TrainingFailedError(
      `Training failed: ${message}.`,
      code === "invalid_learning_rate" ? "rejected" : "crashed",
      code,
      diagnostics,
    ),
  incomplete: (diagnostics: TrainingFailedError["diagnostics"]) =>
    new TrainingFailedError(
      "The training process ended without saving a model.",
      "incomplete",
      "training_incomplete",
      diagnostics,
    ),
} as const;
