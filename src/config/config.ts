// The one validated, frozen configuration object, read from CUSTODIAN_* variables and an optional JSON
// file through the settings schema (settings.ts), with the rules that span several settings.
import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "./config-error.ts";
import { freezeConfig, secretsIn } from "./frozen-config.ts";
import { checkModelNames } from "./model-settings.ts";
import { settings, type SettingValues } from "./settings.ts";
import { databaseTls, httpsOrLoopback, isLoopbackHost, pemFile } from "./transport.ts";

export { ConfigError } from "./config-error.ts";
export type { LocalModelConfig, UpstreamConfig, UpstreamModel } from "./model-settings.ts";

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

/** A webhook's address and the secret its posts are signed with. */
export interface WebhookConfig {
  url: string;
  secret: string;
}

/** Settings that are read together into one part of the configuration (below) instead of alone. */
const partsOf = {
  tls: ["tlsCertFile", "tlsKeyFile"],
  masterKey: ["masterKey", "masterKeyFile"],
  llama: ["llamaThreads", "llamaParallel", "llamaQueue", "llamaContextSize"],
  budgetWebhook: ["budgetWebhookUrl", "budgetWebhookSecret"],
  securityWebhook: ["securityWebhookUrl", "securityWebhookSecret"],
  redis: ["redisUrl", "redisKeyPrefix"],
  blobStore: ["blobStore", "s3Bucket", "s3Endpoint", "s3Region"],
  backupShelf: ["backupDir", "backupS3Bucket"],
} as const satisfies Record<string, ReadonlyArray<keyof SettingValues>>;

type PartInput = (typeof partsOf)[keyof typeof partsOf][number];

/**
 * The configuration: every setting by its key, as read (a new setting appears here by itself), and
 * the parts made of several settings.
 */
export type Config = Omit<SettingValues, PartInput> & {
  tls: { certFile: string; keyFile: string } | null;
  masterKey: MasterKeySource;
  llama: LlamaConfig;
  /** Where budget alerts (80% and 100% of a token budget) are posted, signed with the secret; null: none. */
  budgetWebhook: WebhookConfig | null;
  /** Where security events (auth-failure bursts, SSO signature failures, audit chain breaks, staff access) are posted. */
  securityWebhook: WebhookConfig | null;
  /** Redis for the rate-limit and budget window counters; null: they live in the database. */
  redis: { url: string; keyPrefix: string } | null;
  /** The local directory (`<dataDir>/blobs`) or an S3-compatible bucket shared by many nodes. */
  blobStore: BlobStoreConfig;
  /** Where scheduled backups go: a directory, or a bucket; null: none are taken. */
  backupShelf: BackupShelfConfig | null;
};

export type BackupShelfConfig =
  | { kind: "directory"; directory: string }
  | { kind: "s3"; bucket: string; endpoint: string | null; region: string };

type Source = Record<string, unknown>;

const settingByEnv = new Map(Object.entries(settings).map(([key, setting]) => [setting.schema.env, key]));

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
      if (!Object.hasOwn(settings, key)) throw new ConfigError(`${file}: ${key}`, "unknown setting");
      merged[key] = value;
    }
  }
  for (const [name, value] of Object.entries(env)) {
    const key = settingByEnv.get(name as `CUSTODIAN_${string}`);
    if (key !== undefined && value !== undefined && value !== "") merged[key] = value;
  }
  return merged;
}

/** A webhook setting pair: an https URL (http only to a loopback address) and a secret of 32+ characters. */
function webhook(values: SettingValues, urlKey: keyof SettingValues, secretKey: keyof SettingValues) {
  const urlName = settings[urlKey].schema.env;
  const secretName = settings[secretKey].schema.env;
  const raw = values[urlKey] as string | null;
  const secret = values[secretKey] as string | null;
  if (raw === null) {
    if (secret !== null) throw new ConfigError(secretName, `set ${urlName} too, or neither`);
    return null;
  }
  const url = httpsOrLoopback(urlName, raw);
  // The receiver trusts what carries a valid signature: a short secret would be guessable.
  if (secret === null || secret.length < 32) {
    throw new ConfigError(secretName, `must be at least 32 characters when ${urlName} is set`);
  }
  return { url: url.toString(), secret };
}

/** The database: a CA file only for a server; TLS as SEC-2 wants it (see databaseTls). */
function checkDatabase(values: SettingValues, env: NodeJS.ProcessEnv): void {
  const { databaseUrl, databaseCaFile } = values;
  if (databaseCaFile !== null) {
    if (databaseUrl === null) {
      throw new ConfigError(
        "CUSTODIAN_DATABASE_CA_FILE",
        "needs CUSTODIAN_DATABASE_URL (a PostgreSQL server)",
      );
    }
    pemFile("CUSTODIAN_DATABASE_CA_FILE", databaseCaFile);
  }
  if (databaseUrl === null) return;
  let parameters: URLSearchParams;
  try {
    parameters = new URL(databaseUrl).searchParams;
  } catch {
    throw new ConfigError("CUSTODIAN_DATABASE_URL", "must be a postgres:// URL");
  }
  if (parameters.get("sslmode") === "disable" && databaseCaFile !== null) {
    throw new ConfigError("CUSTODIAN_DATABASE_CA_FILE", "cannot be used with sslmode=disable");
  }
  databaseTls(databaseUrl, { caFile: databaseCaFile !== null, env });
  const rootCert = parameters.get("sslrootcert");
  if (rootCert !== null) pemFile("CUSTODIAN_DATABASE_URL sslrootcert", rootCert);
}

/** CUSTODIAN_BLOB_STORE=s3 needs a bucket; credentials come from the standard AWS variables. */
function blobStore(values: SettingValues, source: Source): BlobStoreConfig {
  if (values.blobStore === "local") {
    // A backup bucket is reached with the same endpoint and region settings.
    const serverSettings = values.backupS3Bucket === null ? (["s3Endpoint", "s3Region"] as const) : [];
    const stray = (["s3Bucket", ...serverSettings] as const).find((key) => source[key] !== undefined);
    if (stray) throw new ConfigError(settings[stray].schema.env, "is used only with CUSTODIAN_BLOB_STORE=s3");
    return { kind: "local" };
  }
  if (values.s3Bucket === null) {
    throw new ConfigError("CUSTODIAN_S3_BUCKET", "is required when CUSTODIAN_BLOB_STORE=s3");
  }
  return { kind: "s3", bucket: values.s3Bucket, endpoint: values.s3Endpoint, region: values.s3Region };
}

/** Scheduled backups: to a directory or to a bucket, not both. */
function backupShelf(values: SettingValues): BackupShelfConfig | null {
  if (values.backupDir !== null && values.backupS3Bucket !== null)
    throw new ConfigError(
      "CUSTODIAN_BACKUP_S3_BUCKET",
      "cannot be used with CUSTODIAN_BACKUP_DIR: choose one",
    );
  if (values.backupDir !== null) return { kind: "directory", directory: values.backupDir };
  if (values.backupS3Bucket === null) return null;
  return { kind: "s3", bucket: values.backupS3Bucket, endpoint: values.s3Endpoint, region: values.s3Region };
}

/** The settings that stand alone, copied as read. */
function standalone(values: SettingValues): Omit<SettingValues, PartInput> {
  const copy: Partial<SettingValues> = { ...values };
  for (const key of Object.values(partsOf).flat()) delete copy[key];
  return copy as Omit<SettingValues, PartInput>;
}

/** Read, validate and freeze the configuration. Throws ConfigError naming the first bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const source = gather(env);
  const values = Object.fromEntries(
    Object.entries(settings).map(([key, setting]) => [key, setting.read(source[key])]),
  ) as SettingValues;

  if (values.http && !isLoopbackHost(values.host)) {
    throw new ConfigError(
      "CUSTODIAN_HTTP",
      "plain HTTP is allowed only on a loopback address (CUSTODIAN_HOST)",
    );
  }
  checkDatabase(values, env);
  const { tlsCertFile: certFile, tlsKeyFile: keyFile } = values;
  if ((certFile === null) !== (keyFile === null)) {
    throw new ConfigError(
      certFile === null ? "CUSTODIAN_TLS_CERT_FILE" : "CUSTODIAN_TLS_KEY_FILE",
      "set both CUSTODIAN_TLS_CERT_FILE and CUSTODIAN_TLS_KEY_FILE, or neither",
    );
  }
  checkModelNames(values.models, values.upstreams);

  const config: Config = {
    ...standalone(values),
    tls: certFile !== null && keyFile !== null ? { certFile, keyFile } : null,
    masterKey:
      values.masterKey !== null
        ? { kind: "env", key: values.masterKey }
        : { kind: "file", path: values.masterKeyFile ?? path.join(values.dataDir, "master.key") },
    llama: {
      threads: values.llamaThreads,
      parallel: values.llamaParallel,
      queue: values.llamaQueue,
      contextSize: values.llamaContextSize,
    },
    budgetWebhook: webhook(values, "budgetWebhookUrl", "budgetWebhookSecret"),
    securityWebhook: webhook(values, "securityWebhookUrl", "securityWebhookSecret"),
    redis: values.redisUrl === null ? null : { url: values.redisUrl, keyPrefix: values.redisKeyPrefix },
    blobStore: blobStore(values, source),
    backupShelf: backupShelf(values),
  };
  const secrets = Object.entries(settings).flatMap(([key, setting]) => [
    ...secretsIn(setting.schema, source[key]),
    ...secretsIn(setting.schema, values[key as keyof SettingValues]),
  ]);
  return freezeConfig(config, secrets);
}
