// SEC-5: the installation's configuration for the evidence pack, with every secret removed. The frozen
// configuration already prints "[secret]" for each setting marked secret (config/frozen-config.ts); this
// removes, as a second layer, any value under a secret-sounding name and any password inside a URL.
import type { Config } from "../config/config.ts";

export const redacted = "[secret]";

const secretName = /secret|password|passphrase|token|credential|private|master_?key|api_?key|access_?key/i;

function scrub(value: unknown, name: string): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (secretName.test(name) && typeof value !== "boolean" && typeof value !== "number") {
    // A file's path is no secret (the master key file: where it is, not what it holds).
    if (!(typeof value === "object" && !Array.isArray(value)) && !/(file|path)$/i.test(name)) return redacted;
  }
  if (typeof value === "string")
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, `$1${redacted}@`);
  if (Array.isArray(value)) return value.map((item) => scrub(item, name));
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scrub(inner, key)]));
  }
  return value;
}

/** The configuration as JSON-ready data, without its secrets. */
export function configurationSnapshot(config: Readonly<Config>): Record<string, unknown> {
  // JSON.stringify goes through the frozen configuration's own toJSON, which hides secret settings.
  const shown = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  return scrub(shown, "") as Record<string, unknown>;
}
