// Every setting Custodian reads, in one place: its variable, type, default, description and whether
// it is secret. The loader, the config file's keys and the README's settings table all come from here;
// adding a setting is adding an entry (then `npm run docs:settings` for the README).
import { availableParallelism } from "node:os";
import path from "node:path";
import { isIP } from "node:net";
import { Type } from "@sinclair/typebox";
import { ConfigError } from "./config-error.ts";
import { modelsSetting, upstreamsSetting } from "./model-settings.ts";
import { choice, flag, integer, optionalText, text } from "./setting.ts";
import { serviceSettings } from "./service-settings.ts";
import { httpsOrLoopback } from "./transport.ts";

const hour = 3_600_000;
const bucketError = "must be a bucket name of 3-63 lower-case letters, digits, '.' or '-'";

const absolute = (value: string) => path.resolve(value);
const urlText = (setting: string) => (value: string) =>
  httpsOrLoopback(setting, value).toString().replace(/\/$/, "");

export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** The settings by their config-file key; each schema names its environment variable. */
export const settings = {
  dataDir: text(
    {
      env: "CUSTODIAN_DATA_DIR",
      default: "./.custodian",
      description: "keys, embedded database, TLS material, bootstrap file",
    },
    absolute,
  ),
  host: text(
    { env: "CUSTODIAN_HOST", default: "127.0.0.1", description: "address to listen on" },
    (value, setting) => {
      if (!isIP(value) && value !== "localhost") {
        throw new ConfigError(setting, `'${value}' is not an IP address or localhost`);
      }
      return value;
    },
  ),
  port: integer({
    env: "CUSTODIAN_PORT",
    default: 8443,
    minimum: 0,
    maximum: 65535,
    description: "port to listen on",
  }),
  databaseUrl: optionalText(
    {
      env: "CUSTODIAN_DATABASE_URL",
      description: "`postgres://` URL of a PostgreSQL server (TLS verify-full unless on this machine)",
      shownDefault: "unset: embedded PGlite",
      // It may hold the database password.
      secret: true,
    },
    (value, setting) => {
      if (!/^postgres(ql)?:\/\//.test(value)) throw new ConfigError(setting, "must be a postgres:// URL");
      return value;
    },
  ),
  databaseCaFile: optionalText(
    { env: "CUSTODIAN_DATABASE_CA_FILE", description: "CA (PEM) of the PostgreSQL server's certificate" },
    absolute,
  ),
  upstreams: upstreamsSetting,
  upstreamTimeoutMs: integer({
    env: "CUSTODIAN_UPSTREAM_TIMEOUT_MS",
    default: 600_000,
    minimum: 100,
    maximum: hour,
    description: "how long an upstream may take to answer",
  }),
  http: flag({
    env: "CUSTODIAN_HTTP",
    default: false,
    description: "`1` serves plain HTTP; allowed only on a loopback address",
  }),
  tlsCertFile: optionalText({
    env: "CUSTODIAN_TLS_CERT_FILE",
    description: "your own certificate (TLS 1.2 minimum), with the key file",
    shownDefault: "generated",
  }),
  tlsKeyFile: optionalText({
    env: "CUSTODIAN_TLS_KEY_FILE",
    description: "the private key of that certificate",
    shownDefault: "generated",
  }),
  masterKey: optionalText(
    {
      env: "CUSTODIAN_MASTER_KEY",
      description: "the master key, 32 bytes base64 (instead of a file)",
      secret: true,
    },
    (value, setting) => {
      const key = Buffer.from(value, "base64");
      if (key.length !== 32) throw new ConfigError(setting, "must be 32 bytes, base64-encoded");
      return key;
    },
  ),
  masterKeyFile: optionalText(
    {
      env: "CUSTODIAN_MASTER_KEY_FILE",
      description: "master key file, created 0600 on first start",
      shownDefault: "`<data dir>/master.key`",
    },
    absolute,
  ),
  keyLedgerDir: optionalText(
    {
      env: "CUSTODIAN_KEY_LEDGER_DIR",
      description:
        "where the ledger of destroyed keys is kept (replayed after a restore); keep it off the database's disk",
      shownDefault: "`<data dir>/key-ledger`",
    },
    absolute,
  ),
  backupDir: optionalText({ env: "CUSTODIAN_BACKUP_DIR", description: "a directory for backups" }, absolute),
  backupS3Bucket: optionalText({
    env: "CUSTODIAN_BACKUP_S3_BUCKET",
    pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
    description: "or to this bucket (`backups/<name>`, with the S3 settings); neither: none taken",
    errorMessage: bucketError,
  }),
  backupIntervalMs: integer({
    env: "CUSTODIAN_BACKUP_INTERVAL_MS",
    default: 24 * hour,
    minimum: 1_000,
    maximum: 30 * 24 * hour,
    description: "how often a scheduled backup is taken",
  }),
  backupKeep: integer({
    env: "CUSTODIAN_BACKUP_KEEP",
    default: 7,
    minimum: 1,
    maximum: 1000,
    description: "how many scheduled backups are kept (older ones are deleted)",
  }),
  logLevel: choice(logLevels, { env: "CUSTODIAN_LOG_LEVEL", default: "info", description: "pino log level" }),
  checkpointEvery: integer({
    env: "CUSTODIAN_AUDIT_CHECKPOINT_EVERY",
    default: 100,
    minimum: 1,
    maximum: 1_000_000,
    description: "sign an audit checkpoint every N entries (and once a minute while entries arrive)",
  }),
  customerKeyCacheMs: integer({
    env: "CUSTODIAN_CUSTOMER_KEY_CACHE_MS",
    default: 60_000,
    minimum: 0,
    maximum: hour,
    description: "how long an unwrapped customer-managed key is used from memory",
  }),
  metricsToken: optionalText({
    env: "CUSTODIAN_METRICS_TOKEN",
    description: "bearer token `/metrics` requires from every client, loopback included",
    secret: true,
  }),
  trustedProxies: optionalText(
    {
      env: "CUSTODIAN_TRUSTED_PROXIES",
      description:
        "comma-separated addresses or CIDR ranges of your reverse proxies: their `X-Forwarded-For` names the " +
        "client (sign-in throttling, audit); unset: the connection's own address",
      pattern: "^[0-9a-fA-F.:/, ]+$",
    },
    (value) =>
      value
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
  ),
  metricsWithoutToken: flag({
    env: "CUSTODIAN_METRICS_WITHOUT_TOKEN",
    default: false,
    description: "`true` serves `/metrics` without a token, to loopback clients only, when no token is set",
  }),
  shutdownGraceMs: integer({
    env: "CUSTODIAN_SHUTDOWN_GRACE_MS",
    default: 10_000,
    minimum: 0,
    maximum: 600_000,
    description: "on SIGTERM, how long in-flight requests and streams may finish",
  }),
  httpProcesses: integer({
    env: "CUSTODIAN_HTTP_PROCESSES",
    default: 1,
    minimum: 1,
    maximum: 64,
    description:
      "processes `custodian serve` answers HTTP from, sharing the port (more than 1 needs PostgreSQL)",
  }),
  batchConcurrency: integer({
    env: "CUSTODIAN_BATCH_CONCURRENCY",
    default: 4,
    minimum: 1,
    maximum: 256,
    description: "requests of /v1/batches each server node runs at once, in the background",
  }),
  // OWN-4: one hour by default, and never more than the 30 days the seed promises.
  deletionWindowMs: integer({
    env: "CUSTODIAN_DELETION_WINDOW_MS",
    default: hour,
    minimum: 0,
    maximum: 30 * 24 * hour,
    description: "a deleted conversation's rows are purged within this time (its key is destroyed at once)",
  }),
  // OWN-3, OWN-4, API-1: how often the purges run (and erase what they delete); 0 picks it from the
  // deletion window (workspace) and 15 minutes (API records).
  purgeIntervalMs: integer({
    env: "CUSTODIAN_PURGE_INTERVAL_MS",
    default: 0,
    minimum: 0,
    maximum: 24 * hour,
    description: "how often retention purges run; 0: a quarter of the deletion window, 15 min at most",
  }),
  // PLAT-2: how often the live trust probes check the running installation (they also run at start and
  // on demand); 0 leaves only the on-demand runs (tests that must not share the machine with a round).
  trustProbeIntervalMs: integer({
    env: "CUSTODIAN_TRUST_PROBE_INTERVAL_MS",
    default: hour,
    minimum: 0,
    maximum: 24 * hour,
    description:
      "how often the live trust probes run (also at start, and on `custodian verify`); 0: only on demand",
  }),
  apiKeyCacheMs: integer({
    env: "CUSTODIAN_KEY_CACHE_MS",
    default: 5_000,
    minimum: 0,
    maximum: 600_000,
    description: "how long a verified API key is trusted from memory (a revocation's bound)",
  }),
  keyringCacheMs: integer({
    env: "CUSTODIAN_KEYRING_CACHE_MS",
    default: 60_000,
    minimum: 0,
    maximum: hour,
    description: "how long an organisation's newest key version is trusted",
  }),
  models: modelsSetting,
  embeddingModel: optionalText({
    env: "CUSTODIAN_EMBEDDING_MODEL",
    description:
      "the model that embeds new document collections' passages (hybrid search) unless an organisation chooses another",
    shownDefault: "unset: keywords only",
  }),
  llamaThreads: integer({
    env: "CUSTODIAN_LLAMA_THREADS",
    // The library's own default (4) is far too many on a 2-core machine.
    default: availableParallelism(),
    minimum: 1,
    maximum: 1024,
    description: "llama.cpp threads per evaluation",
    shownDefault: "the number of cores",
  }),
  llamaParallel: integer({
    env: "CUSTODIAN_LLAMA_PARALLEL",
    default: 4,
    minimum: 1,
    maximum: 256,
    description: "requests a local model generates at once",
  }),
  llamaQueue: integer({
    env: "CUSTODIAN_LLAMA_QUEUE",
    default: 64,
    minimum: 0,
    maximum: 100_000,
    description: "requests that may wait for a local model before `429`",
  }),
  llamaContextSize: integer({
    env: "CUSTODIAN_LLAMA_CONTEXT_SIZE",
    default: 4096,
    minimum: 256,
    maximum: 1_048_576,
    description: "tokens of context per request (at most the model's own)",
  }),
  hfEndpoint: text(
    {
      env: "CUSTODIAN_HF_ENDPOINT",
      default: "https://huggingface.co",
      description: "the hub `models pull hf:...` downloads from (https; http only to loopback)",
      shownDefault: "huggingface.co",
    },
    (value, setting) => urlText(setting)(value),
  ),
  demoModel: flag({
    env: "CUSTODIAN_DEMO_MODEL",
    default: true,
    description: "with no model configured, `custodian serve` builds and serves the small demo model",
  }),
  ...serviceSettings,
};

export type Settings = typeof settings;
export type SettingValues = { [Key in keyof Settings]: ReturnType<Settings[Key]["read"]> };

/** One TypeBox schema of every setting: the config file's shape, and what the README documents. */
export const settingsSchema = Type.Object(
  Object.fromEntries(Object.entries(settings).map(([key, setting]) => [key, Type.Optional(setting.schema)])),
  { additionalProperties: false },
);
