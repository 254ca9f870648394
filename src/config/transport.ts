// SEC-2 on the way out: which connections may travel in plain text (only to this machine, or to a model
// server whose entry opts out), and what TLS a PostgreSQL URL gets (verify-full off this machine).
import { existsSync, readFileSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { ConfigError } from "./config-error.ts";

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** Whether a host name or address (IPv6 with or without brackets) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost") return true;
  const family = isIP(bare);
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is checked against the IPv4 rule by BlockList.
  return family === 4 ? loopback.check(bare, "ipv4") : family === 6 ? loopback.check(bare, "ipv6") : false;
}

/** Parse an http(s) URL setting, or say it must be one. */
export function httpUrl(setting: string, value: string, problem = "must be an http(s) URL"): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(setting, problem);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(setting, problem);
  return url;
}

/** An https URL, or plain http to a loopback address (SEC-2: nothing crosses a network unencrypted). */
export function httpsOrLoopback(setting: string, value: string): URL {
  const problem = "must be an https URL (plain http only to a loopback address)";
  const url = httpUrl(setting, value, problem);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) throw new ConfigError(setting, problem);
  return url;
}

/** A CA file setting: it must exist and hold at least one PEM certificate. */
export function pemFile(setting: string, file: string): void {
  if (!existsSync(file)) throw new ConfigError(setting, `${file} does not exist`);
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(setting, `cannot read ${file}`);
  }
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(content)) {
    throw new ConfigError(setting, `${file} holds no PEM certificate`);
  }
}

/** How a connection to PostgreSQL is protected: none (this machine only), or TLS with a verified chain. */
export type DatabaseTls = "none" | "verify-ca" | "verify-full";

const sslModes = ["disable", "require", "verify-ca", "verify-full"];

/**
 * The TLS a PostgreSQL URL gets. Off this machine always verify-full (CA and host name), whatever the
 * URL asks: `require` and no `sslmode` verify too, and plain text (`disable`) or a host name left
 * unchecked (`verify-ca`) are refused. On this machine (a loopback address or a Unix socket) the URL
 * decides, and a configured CA means TLS. Modes that fall back to plain text are refused everywhere.
 */
export function databaseTls(
  databaseUrl: string,
  options: { caFile: boolean; setting?: string; env?: NodeJS.ProcessEnv },
): DatabaseTls {
  const setting = options.setting ?? "CUSTODIAN_DATABASE_URL";
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // Not the value: it may hold a password.
    throw new ConfigError(setting, "must be a postgres:// URL");
  }
  const mode = url.searchParams.get("sslmode");
  if (mode !== null && !sslModes.includes(mode)) {
    throw new ConfigError(
      setting,
      `sslmode=${mode} is not supported: use verify-full (or verify-ca, require), or disable`,
    );
  }
  // Where node-postgres connects: the URL's host, a `host` parameter (a socket directory), PGHOST, localhost.
  const host =
    url.searchParams.get("host") || url.hostname || (options.env ?? process.env).PGHOST || "localhost";
  const local = host.startsWith("/") || isLoopbackHost(host);
  if (!local) {
    if (mode === "disable") {
      throw new ConfigError(
        setting,
        "sslmode=disable would send the database's traffic in plain text to another host: use TLS " +
          "(verify-full, the default there), with CUSTODIAN_DATABASE_CA_FILE for a private CA",
      );
    }
    if (mode === "verify-ca") {
      throw new ConfigError(
        setting,
        "sslmode=verify-ca does not check the server's name, which any certificate from the same CA " +
          "would pass, on a connection to another host: use verify-full",
      );
    }
    return "verify-full";
  }
  if (mode === "verify-ca") return "verify-ca";
  if (mode === "require" || mode === "verify-full" || options.caFile) return "verify-full";
  return "none";
}

/** How a configured model server is reached, as the trust page shows it. */
export function upstreamTransport(upstream: {
  baseURL: string;
  allowPlaintext?: boolean;
}): "tls-verified" | "plaintext-loopback" | "plaintext-opt-out" {
  const url = new URL(upstream.baseURL);
  if (url.protocol === "https:") return "tls-verified";
  return isLoopbackHost(url.hostname) ? "plaintext-loopback" : "plaintext-opt-out";
}

/** How the database is reached, as the trust page shows it (never the URL: it may hold a password). */
export function databaseTransport(config: {
  databaseUrl: string | null;
  databaseCaFile: string | null;
}): "embedded" | "plaintext-loopback" | "tls-verify-ca" | "tls-verify-full" {
  if (config.databaseUrl === null) return "embedded";
  const tls = databaseTls(config.databaseUrl, { caFile: config.databaseCaFile !== null });
  return tls === "none" ? "plaintext-loopback" : `tls-${tls}`;
}

/** How mail reaches the SMTP server: implicit TLS, STARTTLS required, or plain text to this machine. */
export type SmtpSecurity = "tls" | "starttls" | "plaintext-loopback";

/**
 * SEC-2 for mail: `smtps://` is TLS from the first byte; `smtp://` to another host must upgrade with
 * STARTTLS (a server that does not offer it is refused, never used in plain text); plain `smtp://`
 * only to a loopback address. Certificates are verified either way, TLS 1.2 at least.
 */
export function smtpSecurity(setting: string, value: string): SmtpSecurity {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not the value: it may hold a password.
    throw new ConfigError(setting, "must be an smtp:// or smtps:// URL");
  }
  if (url.hostname === "" || (url.protocol !== "smtp:" && url.protocol !== "smtps:"))
    throw new ConfigError(setting, "must be an smtp:// or smtps:// URL with a host");
  if (url.protocol === "smtps:") return "tls";
  return isLoopbackHost(url.hostname) && url.searchParams.get("starttls") !== "required"
    ? "plaintext-loopback"
    : "starttls";
}
