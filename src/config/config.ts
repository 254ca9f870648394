// The one validated, frozen configuration object, read from CUSTODIAN_* variables and an optional JSON file.
import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
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
  /** Covered by a business associate agreement: the only backends a HIPAA-mode organisation may use. */
  baa?: boolean;
  /** PEM file of the CA that signs this https upstream's certificate (SEC-2: verified, never skipped). */
  caFile?: string;
}

/** A GGUF model file served in process by the llama provider. */
export interface LocalModelConfig {
  /** The name clients use. */
  id: string;
  /** Absolute path of the .gguf file. */
  path: string;
  /** Marked as covered for HIPAA-mode organisations (it runs in process, on the operator's machine). */
  baa?: boolean;
}

/** How the in-process llama.cpp provider runs its models. */
export interface LlamaConfig {
  /** Threads per evaluation; the library's default (4) is far too many on a 2-core machine. */
  threads: number;
  /** Requests generated at once per model (context sequences). */
  parallel: number;
  /** Requests allowed to wait for a free sequence before new ones get 429. */
  queue: number;
  /** Tokens of context per sequence. */
  contextSize: number;
}

/** Where sealed objects (uploaded files, fine-tuned weights) are kept. */
export type BlobStoreConfig =
  { kind: "local" } | { kind: "s3"; bucket: string; endpoint: string | null; region: string };

export type MasterKeySource = { kind: "env"; key: Buffer } | { kind: "file"; path: string };

export interface Config {
  dataDir: string;
  host: string;
  port: number;
  databaseUrl: string | null;
  /** PEM file of the CA that signs the PostgreSQL server's certificate: TLS, verified (SEC-2). */
  databaseCaFile: string | null;
  upstreams: UpstreamConfig[];
  upstreamTimeoutMs: number;
  http: boolean;
  tls: { certFile: string; keyFile: string } | null;
  masterKey: MasterKeySource;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  checkpointEvery: number;
  /** Where budget alerts (80% and 100% of a token budget) are posted, signed with the secret; null: none. */
  budgetWebhook: { url: string; secret: string } | null;
  /** Where security events (auth-failure bursts, SSO signature failures, audit chain breaks, staff access) are posted; null: none. */
  securityWebhook: { url: string; secret: string } | null;
  /** How long an unwrapped customer-managed key is used from memory (revocation takes effect within it). */
  customerKeyCacheMs: number;
  /** How long a verified API key is trusted from memory: a revocation on another node is seen within it. */
  apiKeyCacheMs: number;
  /** How long a node trusts its memory of an organisation's newest key version: a rotation on another node is used within it. */
  keyringCacheMs: number;
  /** Bearer token for /metrics; without one, only loopback clients may read metrics. */
  metricsToken: string | null;
  /** On shutdown, in-flight requests and streams get this long to finish before connections close. */
  shutdownGraceMs: number;
  /** A deleted conversation's rows are purged within this time (its key is destroyed at once). */
  deletionWindowMs: number;
  /** GGUF models served in process (CUSTODIAN_MODELS), besides those in the model registry. */
  models: LocalModelConfig[];
  llama: LlamaConfig;
  /** The Hugging Face hub that `models pull hf:...` downloads from. */
  hfEndpoint: string;
  /** When nothing else is configured, `custodian serve` builds and serves the small demo model. */
  demoModel: boolean;
  /**
   * Redis for the rate-limit and budget window counters (CUSTODIAN_REDIS_URL, with keys under
   * CUSTODIAN_REDIS_KEY_PREFIX); null: they live in the database. Holds a password: never log it raw.
   */
  redis: { url: string; keyPrefix: string } | null;
  /** The local directory (`<dataDir>/blobs`) or an S3-compatible bucket shared by many nodes. */
  blobStore: BlobStoreConfig;
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
  budgetWebhookUrl: "CUSTODIAN_BUDGET_WEBHOOK_URL",
  budgetWebhookSecret: "CUSTODIAN_BUDGET_WEBHOOK_SECRET",
  securityWebhookUrl: "CUSTODIAN_SECURITY_WEBHOOK_URL",
  securityWebhookSecret: "CUSTODIAN_SECURITY_WEBHOOK_SECRET",
  customerKeyCacheMs: "CUSTODIAN_CUSTOMER_KEY_CACHE_MS",
  apiKeyCacheMs: "CUSTODIAN_KEY_CACHE_MS",
  keyringCacheMs: "CUSTODIAN_KEYRING_CACHE_MS",
  databaseCaFile: "CUSTODIAN_DATABASE_CA_FILE",
  metricsToken: "CUSTODIAN_METRICS_TOKEN",
  shutdownGraceMs: "CUSTODIAN_SHUTDOWN_GRACE_MS",
  deletionWindowMs: "CUSTODIAN_DELETION_WINDOW_MS",
  models: "CUSTODIAN_MODELS",
  llamaThreads: "CUSTODIAN_LLAMA_THREADS",
  llamaParallel: "CUSTODIAN_LLAMA_PARALLEL",
  llamaQueue: "CUSTODIAN_LLAMA_QUEUE",
  llamaContextSize: "CUSTODIAN_LLAMA_CONTEXT_SIZE",
  hfEndpoint: "CUSTODIAN_HF_ENDPOINT",
  demoModel: "CUSTODIAN_DEMO_MODEL",
  redisUrl: "CUSTODIAN_REDIS_URL",
  redisKeyPrefix: "CUSTODIAN_REDIS_KEY_PREFIX",
  blobStore: "CUSTODIAN_BLOB_STORE",
  s3Bucket: "CUSTODIAN_S3_BUCKET",
  s3Endpoint: "CUSTODIAN_S3_ENDPOINT",
  s3Region: "CUSTODIAN_S3_REGION",
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
    if (item.baa !== undefined && typeof item.baa !== "boolean") {
      throw new ConfigError(`${where}.baa`, "must be true or false");
    }
    if (item.caFile !== undefined) {
      if (typeof item.caFile !== "string") throw new ConfigError(`${where}.caFile`, "must be a file path");
      if (url.protocol !== "https:") throw new ConfigError(`${where}.caFile`, "is for https upstreams only");
      pemFile(`${where}.caFile`, item.caFile);
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
      // Only when marked: absent means not covered.
      ...(item.baa === true ? { baa: true } : {}),
      ...(typeof item.caFile === "string" ? { caFile: path.resolve(item.caFile) } : {}),
    };
  });
}

/** A CA file setting: it must exist and hold at least one PEM certificate. */
function pemFile(setting: string, file: string): void {
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

/**
 * The PostgreSQL TLS settings in the URL (`sslmode`) and CUSTODIAN_DATABASE_CA_FILE. Modes that fall
 * back to plain text when the server has no TLS (`allow`, `prefer`) are refused: SEC-2 wants
 * verified TLS or, knowingly, none.
 */
function parseDatabaseTls(source: Source, databaseUrl: string | null): string | null {
  const caFile = text(source, "CUSTODIAN_DATABASE_CA_FILE");
  if (caFile !== null) {
    if (databaseUrl === null) {
      throw new ConfigError(
        "CUSTODIAN_DATABASE_CA_FILE",
        "needs CUSTODIAN_DATABASE_URL (a PostgreSQL server)",
      );
    }
    pemFile("CUSTODIAN_DATABASE_CA_FILE", caFile);
  }
  if (databaseUrl !== null) {
    let url: URL;
    try {
      url = new URL(databaseUrl);
    } catch {
      throw new ConfigError("CUSTODIAN_DATABASE_URL", "must be a postgres:// URL");
    }
    const mode = url.searchParams.get("sslmode");
    if (mode !== null && !["disable", "require", "verify-ca", "verify-full"].includes(mode)) {
      throw new ConfigError(
        "CUSTODIAN_DATABASE_URL",
        `sslmode=${mode} is not supported: use verify-full (or verify-ca, require), or disable`,
      );
    }
    if (mode === "disable" && caFile !== null) {
      throw new ConfigError("CUSTODIAN_DATABASE_CA_FILE", "cannot be used with sslmode=disable");
    }
    const rootCert = url.searchParams.get("sslrootcert");
    if (rootCert !== null) pemFile("CUSTODIAN_DATABASE_URL sslrootcert", rootCert);
  }
  return caFile === null ? null : path.resolve(caFile);
}

function parseModels(source: Source, upstreams: UpstreamConfig[]): LocalModelConfig[] {
  const name = "CUSTODIAN_MODELS";
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
  const seen = new Set(upstreams.flatMap((upstream) => upstream.models.map((model) => model.id)));
  return raw.map((entry: unknown, index): LocalModelConfig => {
    const where = `${name}[${index}]`;
    if (typeof entry !== "object" || entry === null) throw new ConfigError(where, 'must be {"id","path"}');
    const item = entry as Record<string, unknown>;
    if (typeof item.id !== "string" || !/^[a-zA-Z0-9_.:/-]{1,256}$/.test(item.id)) {
      throw new ConfigError(`${where}.id`, "must be a name of letters, digits, '.', '_', ':', '/' or '-'");
    }
    if (seen.has(item.id)) throw new ConfigError(`${where}.id`, `model '${item.id}' is listed twice`);
    seen.add(item.id);
    if (typeof item.path !== "string" || !item.path.endsWith(".gguf")) {
      throw new ConfigError(`${where}.path`, "must be the path of a .gguf file");
    }
    if (item.baa !== undefined && typeof item.baa !== "boolean") {
      throw new ConfigError(`${where}.baa`, "must be true or false");
    }
    return { id: item.id, path: path.resolve(item.path), ...(item.baa === true ? { baa: true } : {}) };
  });
}

function httpUrl(source: Source, name: string, fallback: string): string {
  const raw = text(source, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, "must be an http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ConfigError(name, "must be an http(s) URL");
  return url.toString().replace(/\/$/, "");
}

/** The budget alert webhook: an https URL (http only to a loopback address) and a secret to sign with. */
function parseBudgetWebhook(source: Source): { url: string; secret: string } | null {
  return parseWebhook(source, "CUSTODIAN_BUDGET_WEBHOOK_URL", "CUSTODIAN_BUDGET_WEBHOOK_SECRET");
}

/** A webhook setting pair: an https URL (http only to a loopback address) and a secret of 32+ characters. */
function parseWebhook(
  source: Source,
  urlName: string,
  secretName: string,
): { url: string; secret: string } | null {
  const raw = text(source, urlName);
  const secret = text(source, secretName);
  if (raw === null) {
    if (secret !== null) throw new ConfigError(secretName, `set ${urlName} too, or neither`);
    return null;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(urlName, "must be an https URL");
  }
  const loopback = isLoopback(url.hostname.replace(/^\[|\]$/g, ""));
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError(urlName, "must be an https URL (plain http only to a loopback address)");
  }
  // The receiver trusts what carries a valid signature: a short secret would be guessable.
  if (secret === null || secret.length < 32) {
    throw new ConfigError(secretName, `must be at least 32 characters when ${urlName} is set`);
  }
  return { url: url.toString(), secret };
}

/** The Redis for limit counters: a redis:// or rediss:// URL, and the prefix its keys go under. */
function parseRedis(source: Source): { url: string; keyPrefix: string } | null {
  const raw = text(source, "CUSTODIAN_REDIS_URL");
  const keyPrefix = text(source, "CUSTODIAN_REDIS_KEY_PREFIX") ?? "custodian:";
  if (!/^[\x21-\x7e]{1,100}$/.test(keyPrefix))
    throw new ConfigError("CUSTODIAN_REDIS_KEY_PREFIX", "must be 1 to 100 printable characters, no spaces");
  if (raw === null) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not the value itself: it may hold a password.
    throw new ConfigError("CUSTODIAN_REDIS_URL", "must be a redis:// or rediss:// URL");
  }
  if ((url.protocol !== "redis:" && url.protocol !== "rediss:") || url.hostname === "")
    throw new ConfigError("CUSTODIAN_REDIS_URL", "must be a redis:// or rediss:// URL with a host");
  return { url: raw, keyPrefix };
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/** CUSTODIAN_BLOB_STORE=s3 needs a bucket; credentials come from the standard AWS variables. */
function parseBlobStore(source: Source): BlobStoreConfig {
  const kind = text(source, "CUSTODIAN_BLOB_STORE") ?? "local";
  const s3Settings = ["CUSTODIAN_S3_BUCKET", "CUSTODIAN_S3_ENDPOINT", "CUSTODIAN_S3_REGION"];
  if (kind === "local") {
    const stray = s3Settings.find((name) => text(source, name) !== null);
    if (stray) throw new ConfigError(stray, "is used only with CUSTODIAN_BLOB_STORE=s3");
    return { kind: "local" };
  }
  if (kind !== "s3") throw new ConfigError("CUSTODIAN_BLOB_STORE", "must be local or s3");
  const bucket = text(source, "CUSTODIAN_S3_BUCKET");
  if (bucket === null)
    throw new ConfigError("CUSTODIAN_S3_BUCKET", "is required when CUSTODIAN_BLOB_STORE=s3");
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(
      "CUSTODIAN_S3_BUCKET",
      "must be a bucket name of 3-63 lower-case letters, digits, '.' or '-'",
    );
  }
  const region = text(source, "CUSTODIAN_S3_REGION") ?? "us-east-1";
  if (!/^[a-z0-9-]{1,64}$/.test(region))
    throw new ConfigError("CUSTODIAN_S3_REGION", "must be a region name");
  const rawEndpoint = text(source, "CUSTODIAN_S3_ENDPOINT");
  let endpoint: string | null = null;
  if (rawEndpoint !== null) {
    let url: URL;
    try {
      url = new URL(rawEndpoint);
    } catch {
      throw new ConfigError("CUSTODIAN_S3_ENDPOINT", "must be an https URL");
    }
    // SEC-2: sealed objects still travel with their names and sizes; plain http only on this machine.
    const loopback = isLoopback(url.hostname.replace(/^\[|\]$/g, ""));
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      throw new ConfigError(
        "CUSTODIAN_S3_ENDPOINT",
        "must be an https URL (plain http only to a loopback address)",
      );
    }
    endpoint = url.toString().replace(/\/$/, "");
  }
  return { kind: "s3", bucket, endpoint, region };
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

  const upstreams = parseUpstreams(source);
  const config: Config = {
    dataDir,
    host,
    port,
    databaseUrl,
    databaseCaFile: parseDatabaseTls(source, databaseUrl),
    upstreams,
    upstreamTimeoutMs: integer(source, "CUSTODIAN_UPSTREAM_TIMEOUT_MS", 600_000, 100, 3_600_000),
    http,
    tls: certFile && keyFile ? { certFile, keyFile } : null,
    masterKey,
    logLevel: logLevel as Config["logLevel"],
    checkpointEvery: integer(source, "CUSTODIAN_AUDIT_CHECKPOINT_EVERY", 100, 1, 1_000_000),
    budgetWebhook: parseBudgetWebhook(source),
    securityWebhook: parseWebhook(
      source,
      "CUSTODIAN_SECURITY_WEBHOOK_URL",
      "CUSTODIAN_SECURITY_WEBHOOK_SECRET",
    ),
    customerKeyCacheMs: integer(source, "CUSTODIAN_CUSTOMER_KEY_CACHE_MS", 60_000, 0, 3_600_000),
    apiKeyCacheMs: integer(source, "CUSTODIAN_KEY_CACHE_MS", 5_000, 0, 600_000),
    keyringCacheMs: integer(source, "CUSTODIAN_KEYRING_CACHE_MS", 60_000, 0, 3_600_000),
    metricsToken: text(source, "CUSTODIAN_METRICS_TOKEN"),
    shutdownGraceMs: integer(source, "CUSTODIAN_SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    // OWN-4: one hour by default, and never more than the 30 days the seed promises.
    deletionWindowMs: integer(source, "CUSTODIAN_DELETION_WINDOW_MS", 3_600_000, 0, 30 * 24 * 3_600_000),
    models: parseModels(source, upstreams),
    llama: {
      threads: integer(source, "CUSTODIAN_LLAMA_THREADS", availableParallelism(), 1, 1024),
      parallel: integer(source, "CUSTODIAN_LLAMA_PARALLEL", 4, 1, 256),
      queue: integer(source, "CUSTODIAN_LLAMA_QUEUE", 64, 0, 100_000),
      contextSize: integer(source, "CUSTODIAN_LLAMA_CONTEXT_SIZE", 4096, 256, 1_048_576),
    },
    hfEndpoint: httpUrl(source, "CUSTODIAN_HF_ENDPOINT", "https://huggingface.co"),
    demoModel: source.CUSTODIAN_DEMO_MODEL === undefined ? true : flag(source, "CUSTODIAN_DEMO_MODEL"),
    redis: parseRedis(source),
    blobStore: parseBlobStore(source),
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
