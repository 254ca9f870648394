// The one validated, frozen configuration object, read from CUSTODIAN_* variables and an optional JSON file.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";

export interface UpstreamModel {
  /** The name clients use. */
  id: string;
  /** The name the upstream server knows it by. */
  upstreamId: string;
}

export interface UpstreamConfig {
  name: string;
  baseURL: string;
  apiKey: string | null;
  models: UpstreamModel[];
}

export type MasterKeySource = { kind: "env"; key: Buffer } | { kind: "file"; path: string };

export interface Config {
  dataDir: string;
  host: string;
  port: number;
  databaseUrl: string | null;
  upstreams: UpstreamConfig[];
  upstreamTimeoutMs: number;
  http: boolean;
  tls: { certFile: string; keyFile: string } | null;
  masterKey: MasterKeySource;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  checkpointEvery: number;
}

/** A bad setting: start-up stops with a message that names it. */
export class ConfigError extends Error {
  readonly setting: string;
  constructor(setting: string, problem: string) {
    super(`Invalid setting ${setting}: ${problem}`);
    this.name = "ConfigError";
    this.setting = setting;
  }
}

type Source = Record<string, unknown>;

const fileKeys: Record<string, string> = {
  dataDir: "CUSTODIAN_DATA_DIR",
  host: "CUSTODIAN_HOST",
  port: "CUSTODIAN_PORT",
  databaseUrl: "CUSTODIAN_DATABASE_URL",
  upstreams: "CUSTODIAN_UPSTREAMS",
  upstreamTimeoutMs: "CUSTODIAN_UPSTREAM_TIMEOUT_MS",
  http: "CUSTODIAN_HTTP",
  tlsCertFile: "CUSTODIAN_TLS_CERT_FILE",
  tlsKeyFile: "CUSTODIAN_TLS_KEY_FILE",
  masterKey: "CUSTODIAN_MASTER_KEY",
  masterKeyFile: "CUSTODIAN_MASTER_KEY_FILE",
  logLevel: "CUSTODIAN_LOG_LEVEL",
  checkpointEvery: "CUSTODIAN_AUDIT_CHECKPOINT_EVERY",
};

/** Merge the optional config file (CUSTODIAN_CONFIG_FILE) under the environment: env wins. */
function gather(env: NodeJS.ProcessEnv): Source {
  const merged: Source = {};
  const file = env.CUSTODIAN_CONFIG_FILE;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new ConfigError(
        "CUSTODIAN_CONFIG_FILE",
        `cannot read ${file} as JSON (${(error as Error).message})`,
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError("CUSTODIAN_CONFIG_FILE", "must hold a JSON object");
    }
    for (const [key, value] of Object.entries(parsed)) {
      const envName = fileKeys[key];
      if (!envName) throw new ConfigError(`${file}: ${key}`, "unknown setting");
      merged[envName] = value;
    }
  }
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith("CUSTODIAN_") && value !== undefined && value !== "") merged[key] = value;
  }
  return merged;
}

function text(source: Source, name: string): string | null {
  const value = source[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" && typeof value !== "number") throw new ConfigError(name, "must be a string");
  return String(value);
}

function integer(source: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = text(source, name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `'${raw}' is not a whole number`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

function flag(source: Source, name: string): boolean {
  const value = source[name];
  if (value === undefined || value === null) return false;
  if (value === true || value === "1" || value === "true") return true;
  if (value === false || value === "0" || value === "false") return false;
  throw new ConfigError(name, "must be 1 or 0");
}

function parseUpstreams(source: Source): UpstreamConfig[] {
  const name = "CUSTODIAN_UPSTREAMS";
  let raw = source[name];
  if (raw === undefined) return [];
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new ConfigError(name, "must be a JSON array");
    }
  }
  if (!Array.isArray(raw)) throw new ConfigError(name, "must be a JSON array");
  const seenModels = new Set<string>();
  const seenNames = new Set<string>();
  return raw.map((entry: unknown, index): UpstreamConfig => {
    const where = `${name}[${index}]`;
    if (typeof entry !== "object" || entry === null) throw new ConfigError(where, "must be an object");
    const item = entry as Record<string, unknown>;
    if (typeof item.name !== "string" || !/^[a-zA-Z0-9_.-]+$/.test(item.name)) {
      throw new ConfigError(`${where}.name`, "must be a name of letters, digits, '.', '_' or '-'");
    }
    if (seenNames.has(item.name)) throw new ConfigError(`${where}.name`, `'${item.name}' is used twice`);
    seenNames.add(item.name);
    let url: URL;
    try {
      url = new URL(String(item.baseURL));
    } catch {
      throw new ConfigError(`${where}.baseURL`, "must be an http(s) URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigError(`${where}.baseURL`, "must be an http(s) URL");
    }
    if (item.apiKey !== undefined && typeof item.apiKey !== "string") {
      throw new ConfigError(`${where}.apiKey`, "must be a string");
    }
    if (!Array.isArray(item.models) || item.models.length === 0) {
      throw new ConfigError(`${where}.models`, "must be a non-empty array");
    }
    const models = item.models.map((model: unknown, modelIndex): UpstreamModel => {
      const modelWhere = `${where}.models[${modelIndex}]`;
      let result: UpstreamModel;
      if (typeof model === "string" && model.length > 0) result = { id: model, upstreamId: model };
      else if (
        typeof model === "object" &&
        model !== null &&
        typeof (model as Record<string, unknown>).id === "string" &&
        typeof (model as Record<string, unknown>).upstream === "string"
      ) {
        const pair = model as { id: string; upstream: string };
        result = { id: pair.id, upstreamId: pair.upstream };
      } else throw new ConfigError(modelWhere, 'must be a model name or {"id","upstream"}');
      if (seenModels.has(result.id))
        throw new ConfigError(modelWhere, `model '${result.id}' is listed twice`);
      seenModels.add(result.id);
      return result;
    });
    return {
      name: item.name,
      baseURL: url.toString().replace(/\/$/, ""),
      apiKey: typeof item.apiKey === "string" ? item.apiKey : null,
      models,
    };
  });
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Read, validate and freeze the configuration. Throws ConfigError naming the first bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const source = gather(env);
  const dataDir = path.resolve(text(source, "CUSTODIAN_DATA_DIR") ?? "./.custodian");
  const host = text(source, "CUSTODIAN_HOST") ?? "127.0.0.1";
  if (!isIP(host) && host !== "localhost") {
    throw new ConfigError("CUSTODIAN_HOST", `'${host}' is not an IP address or localhost`);
  }
  const port = integer(source, "CUSTODIAN_PORT", 8443, 0, 65535);
  const http = flag(source, "CUSTODIAN_HTTP");
  if (http && !isLoopback(host)) {
    throw new ConfigError(
      "CUSTODIAN_HTTP",
      "plain HTTP is allowed only on a loopback address (CUSTODIAN_HOST)",
    );
  }

  const databaseUrl = text(source, "CUSTODIAN_DATABASE_URL");
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("CUSTODIAN_DATABASE_URL", "must be a postgres:// URL");
  }

  const certFile = text(source, "CUSTODIAN_TLS_CERT_FILE");
  const keyFile = text(source, "CUSTODIAN_TLS_KEY_FILE");
  if ((certFile === null) !== (keyFile === null)) {
    throw new ConfigError(
      certFile === null ? "CUSTODIAN_TLS_CERT_FILE" : "CUSTODIAN_TLS_KEY_FILE",
      "set both CUSTODIAN_TLS_CERT_FILE and CUSTODIAN_TLS_KEY_FILE, or neither",
    );
  }

  let masterKey: MasterKeySource;
  const keyText = text(source, "CUSTODIAN_MASTER_KEY");
  if (keyText !== null) {
    const key = Buffer.from(keyText, "base64");
    if (key.length !== 32) throw new ConfigError("CUSTODIAN_MASTER_KEY", "must be 32 bytes, base64-encoded");
    masterKey = { kind: "env", key };
  } else {
    masterKey = {
      kind: "file",
      path: path.resolve(text(source, "CUSTODIAN_MASTER_KEY_FILE") ?? path.join(dataDir, "master.key")),
    };
  }

  const logLevel = text(source, "CUSTODIAN_LOG_LEVEL") ?? "info";
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new ConfigError("CUSTODIAN_LOG_LEVEL", `must be one of ${logLevels.join(", ")}`);
  }

  const config: Config = {
    dataDir,
    host,
    port,
    databaseUrl,
    upstreams: parseUpstreams(source),
    upstreamTimeoutMs: integer(source, "CUSTODIAN_UPSTREAM_TIMEOUT_MS", 600_000, 100, 3_600_000),
    http,
    tls: certFile && keyFile ? { certFile, keyFile } : null,
    masterKey,
    logLevel: logLevel as Config["logLevel"],
    checkpointEvery: integer(source, "CUSTODIAN_AUDIT_CHECKPOINT_EVERY", 100, 1, 1_000_000),
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Buffer.isBuffer(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
