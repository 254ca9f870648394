// Why the extraction worker gave up on a document, as a kind only: the worker knows no filename and
// never describes content; extract-document.ts turns the kind into the user's error.

export const failureKinds = [
  "unsupported",
  "encrypted",
  "corrupt",
  "empty",
  "unpacksTooLarge",
  "tooComplex",
] as const;
export type FailureKind = (typeof failureKinds)[number];

export class ExtractionFailure extends Error {
  readonly kind: FailureKind;

  constructor(kind: FailureKind) {
    super(`extraction failed: ${kind}`);
    this.name = "ExtractionFailure";
    this.kind = kind;
  }
}

export const fail = (kind: FailureKind): never => {
  throw new ExtractionFailure(kind);
};
