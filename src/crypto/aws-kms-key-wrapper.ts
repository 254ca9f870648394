// Wraps organisation keys with the customer's AWS KMS key (Encrypt/Decrypt with an encryption context
// naming the organisation and key version), so Custodian holds only ciphertext of its data keys.
import { DecryptCommand, EncryptCommand, KMSClient, KMSServiceException } from "@aws-sdk/client-kms";
import { customerKeyErrors } from "./customer-key-errors.ts";
import type { KeyWrapper, Unwrapped, WrapContext } from "./key-wrapper.ts";

export interface AwsKmsSettings {
  keyId: string;
  region: string;
  /** For VPC endpoints, other partitions, and tests. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** KMS errors that mean "the customer said no", as opposed to "we could not ask". */
const refusals = new Set([
  "DisabledException",
  "KeyUnavailableException",
  "NotFoundException",
  "AccessDeniedException",
  "InvalidCiphertextException",
  "IncorrectKeyException",
  "KMSInvalidStateException",
]);

function encryptionContext(context: WrapContext): Record<string, string> {
  return { custodian_organization: context.organization, custodian_key_version: String(context.version) };
}

export class AwsKmsKeyWrapper implements KeyWrapper {
  readonly kind = "aws-kms" as const;
  readonly cacheMs: number;
  readonly #settings: AwsKmsSettings;
  readonly #client: KMSClient;

  constructor(settings: AwsKmsSettings, options: { cacheMs: number }) {
    this.#settings = settings;
    this.cacheMs = options.cacheMs;
    this.#client = new KMSClient({
      region: settings.region,
      maxAttempts: 2,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.accessKeyId && settings.secretAccessKey
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
        : {}),
    });
  }

  #fail(error: unknown): never {
    if (error instanceof KMSServiceException && refusals.has(error.name))
      throw customerKeyErrors.revoked(this.kind);
    throw customerKeyErrors.unreachable(this.kind);
  }

  async wrap(key: Buffer, context: WrapContext): Promise<Buffer> {
    try {
      const result = await this.#client.send(
        new EncryptCommand({
          KeyId: this.#settings.keyId,
          Plaintext: key,
          EncryptionContext: encryptionContext(context),
        }),
      );
      return Buffer.from(result.CiphertextBlob!);
    } catch (error) {
      this.#fail(error);
    }
  }

  async unwrap(wrapped: Buffer, context: WrapContext): Promise<Unwrapped> {
    try {
      const result = await this.#client.send(
        new DecryptCommand({
          KeyId: this.#settings.keyId,
          CiphertextBlob: wrapped,
          EncryptionContext: encryptionContext(context),
        }),
      );
      // KMS rotates key material behind one key id and keeps the old material for decryption, so a
      // wrapped key never goes stale; nothing to re-wrap.
      return { key: Buffer.from(result.Plaintext!) };
    } catch (error) {
      this.#fail(error);
    }
  }
}
