// Wraps organisation keys with the customer's AWS KMS key (Encrypt/Decrypt with an encryption context
// naming the organisation and key version), so Custodian holds only ciphertext of its data keys.
import type * as KmsModule from "@aws-sdk/client-kms";
import type { KMSClient, KMSClientConfig } from "@aws-sdk/client-kms";
import { customerKeyErrors } from "./customer-key-errors.ts";
import type { KeyWrapper, Unwrapped, WrapContext } from "./key-wrapper.ts";
import { lazyModule } from "../core/lazy-module.ts";

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

type KmsSdk = typeof KmsModule;

/**
 * The AWS KMS SDK, imported on first use: it takes tens of MB to load, and only organisations with a
 * key of their own in AWS KMS need it.
 */
const kmsSdk = lazyModule<KmsSdk>(() => import("@aws-sdk/client-kms"));

function encryptionContext(context: WrapContext): Record<string, string> {
  return { custodian_organization: context.organization, custodian_key_version: String(context.version) };
}

export class AwsKmsKeyWrapper implements KeyWrapper {
  readonly kind = "aws-kms" as const;
  readonly cacheMs: number;
  readonly #settings: AwsKmsSettings;
  readonly #clientConfig: KMSClientConfig;
  #client: Promise<{ sdk: KmsSdk; client: KMSClient }> | null = null;

  constructor(settings: AwsKmsSettings, options: { cacheMs: number }) {
    this.#settings = settings;
    this.cacheMs = options.cacheMs;
    this.#clientConfig = {
      region: settings.region,
      maxAttempts: 2,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.accessKeyId && settings.secretAccessKey
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
        : {}),
    };
  }

  /** The SDK and the client, made at the first wrap or unwrap. */
  #connect(): Promise<{ sdk: KmsSdk; client: KMSClient }> {
    this.#client ??= kmsSdk().then(
      (loaded) => ({ sdk: loaded, client: new loaded.KMSClient(this.#clientConfig) }),
      (error: unknown) => {
        this.#client = null;
        throw error;
      },
    );
    return this.#client;
  }

  #fail(error: unknown, loaded: KmsSdk | null): never {
    // Without the SDK (it failed to load) nothing was asked of KMS: the key is unreachable, not refused.
    if (loaded && error instanceof loaded.KMSServiceException && refusals.has(error.name))
      throw customerKeyErrors.revoked(this.kind);
    throw customerKeyErrors.unreachable(this.kind);
  }

  async wrap(key: Buffer, context: WrapContext): Promise<Buffer> {
    let loaded: KmsSdk | null = null;
    try {
      const connection = await this.#connect();
      loaded = connection.sdk;
      const result = await connection.client.send(
        new loaded.EncryptCommand({
          KeyId: this.#settings.keyId,
          Plaintext: key,
          EncryptionContext: encryptionContext(context),
        }),
      );
      return Buffer.from(result.CiphertextBlob!);
    } catch (error) {
      this.#fail(error, loaded);
    }
  }

  async unwrap(wrapped: Buffer, context: WrapContext): Promise<Unwrapped> {
    let loaded: KmsSdk | null = null;
    try {
      const connection = await this.#connect();
      loaded = connection.sdk;
      const result = await connection.client.send(
        new loaded.DecryptCommand({
          KeyId: this.#settings.keyId,
          CiphertextBlob: wrapped,
          EncryptionContext: encryptionContext(context),
        }),
      );
      // KMS rotates key material behind one key id and keeps the old material for decryption, so a
      // wrapped key never goes stale; nothing to re-wrap.
      return { key: Buffer.from(result.Plaintext!) };
    } catch (error) {
      this.#fail(error, loaded);
    }
  }
}
