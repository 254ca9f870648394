// An error the training child reports to its parent by code, with a message that never quotes training data.

export class TrainingJobError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "TrainingJobError";
    this.code = code;
  }
}
