// Wraps organisation keys with a key in the customer's HashiCorp Vault transit engine
// (POST /v1/transit/encrypt|decrypt/:name, with derived-key context), over Vault's documented HTTP API.
import { request } from "undici";
import { customerKeyErrors } from "./customer-key-errors.ts";
import type { KeyWrapper, Unwrapped, WrapContext } from "./key-wrapper.ts";

export interface VaultTransitSettings {
  /** e.g. https://vault.example.com:8200 */
  address: string;
  keyName: string;
  token: string;
  /** Transit mount path; "transit" unless the customer mounted it elsewhere. */
  mount?: string;
}

function contextOf(context: WrapContext): string {
  return Buffer.from(`custodian:${context.organization}:${context.version}`).toString("base64");
}

/** "vault:v3:..." -> 3 */
function versionOf(ciphertext: string): number {
  const match = /^vault:v(\d+):/.exec(ciphertext);
  return match ? Number(match[1]) : 0;
}

export class VaultTransitKeyWrapper implements KeyWrapper {
  readonly kind = "vault-transit" as const;
  readonly cacheMs: number;
  readonly #settings: VaultTransitSettings;

  constructor(settings: VaultTransitSettings, options: { cacheMs: number }) {
    this.#settings = settings;
    this.cacheMs = options.cacheMs;
  }

  async #call(
    operation: "encrypt" | "decrypt" | "rewrap",
    body: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const { address, mount = "transit", keyName, token } = this.#settings;
    let response;
    try {
      response = await request(
        `${address.replace(/\/$/, "")}/v1/${mount}/${operation}/${encodeURIComponent(keyName)}`,
        {
          method: "POST",
          headers: { "x-vault-token": token, "content-type": "application/json" },
          body: JSON.stringify(body),
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        },
      );
    } catch {
      throw customerKeyErrors.unreachable(this.kind);
    }
    const payload = (await response.body.json().catch(() => ({}))) as { data?: Record<string, unknown> };
    // 400 (key cannot decrypt / disabled), 403 (token revoked or policy removed), 404 (key deleted).
    if ([400, 403, 404].includes(response.statusCode)) throw customerKeyErrors.revoked(this.kind);
    if (response.statusCode !== 200 || !payload.data) throw customerKeyErrors.unreachable(this.kind);
    return payload.data;
  }

  async wrap(key: Buffer, context: WrapContext): Promise<Buffer> {
    const data = await this.#call("encrypt", {
      plaintext: key.toString("base64"),
      context: contextOf(context),
    });
    return Buffer.from(String(data.ciphertext), "utf8");
  }

  async unwrap(wrapped: Buffer, context: WrapContext): Promise<Unwrapped> {
    const ciphertext = wrapped.toString("utf8");
    const data = await this.#call("decrypt", { ciphertext, context: contextOf(context) });
    const key = Buffer.from(String(data.plaintext), "base64");
    // After a rotation in Vault, re-wrap under the newest key version (Vault's rewrap never returns
    // plaintext), so the customer can later raise min_decryption_version and retire old versions.
    const rewrap = await this.#call("rewrap", { ciphertext, context: contextOf(context) });
    const fresh = String(rewrap.ciphertext);
    return versionOf(fresh) > versionOf(ciphertext)
      ? { key, rewrapped: Buffer.from(fresh, "utf8") }
      : { key };
  }
}
