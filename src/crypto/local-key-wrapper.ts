// Wraps organisation keys with the platform's master key (the default).
import { open, seal } from "./aead.ts";
import type { KeyWrapper, Unwrapped, WrapContext } from "./key-wrapper.ts";

export function wrapBinding(context: WrapContext) {
  return {
    table: "organization_keys",
    row: `${context.organization}:${context.version}`,
    organization: context.organization,
  };
}

export class LocalKeyWrapper implements KeyWrapper {
  readonly kind = "local" as const;
  readonly cacheMs = Number.POSITIVE_INFINITY;
  readonly #master: Buffer;

  constructor(masterKey: Buffer) {
    this.#master = masterKey;
  }

  async wrap(key: Buffer, context: WrapContext): Promise<Buffer> {
    return seal(this.#master, 0, wrapBinding(context), key);
  }

  async unwrap(wrapped: Buffer, context: WrapContext): Promise<Unwrapped> {
    return { key: open(this.#master, wrapBinding(context), wrapped) };
  }
}
