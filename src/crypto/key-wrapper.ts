// How an organisation's data keys are wrapped: by the platform's master key, or by a key the
// customer holds in their own KMS. Every wrapper binds the wrapped key to its organisation and version.
export interface WrapContext {
  organization: string;
  version: number;
}

export interface Unwrapped {
  key: Buffer;
  /** Set when the customer's KMS rotated since this was wrapped: the same key wrapped anew, to store. */
  rewrapped?: Buffer;
}

export interface KeyWrapper {
  readonly kind: "local" | "aws-kms" | "vault-transit";
  /** Unwrapped keys may be kept in memory this long; revoking a customer key takes effect within it. */
  readonly cacheMs: number;
  wrap(key: Buffer, context: WrapContext): Promise<Buffer>;
  unwrap(wrapped: Buffer, context: WrapContext): Promise<Unwrapped>;
}
