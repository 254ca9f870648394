// The settings of the services outside Custodian that it talks to: webhooks, Redis, the blob store
// (S3), the web app's public address and email (SMTP). Part of \`settings\` (settings.ts), kept apart so
// that neither file grows past a screenful of categories.
import path from "node:path";
import { ConfigError } from "./config-error.ts";
import { choice, integer, optionalText, text } from "./setting.ts";
import { httpsOrLoopback, isLoopbackHost, smtpSecurity } from "./transport.ts";

const bucketError = "must be a bucket name of 3-63 lower-case letters, digits, '.' or '-'";

const absolute = (value: string) => path.resolve(value);
const urlText = (setting: string) => (value: string) =>
  httpsOrLoopback(setting, value).toString().replace(/\/$/, "");

/** Outside services' settings by their config-file key. */
export const serviceSettings = {
  budgetWebhookUrl: optionalText({
    env: "CUSTODIAN_BUDGET_WEBHOOK_URL",
    description: "where budget alerts are posted (https; http only to loopback)",
  }),
  budgetWebhookSecret: optionalText({
    env: "CUSTODIAN_BUDGET_WEBHOOK_SECRET",
    description: "HMAC-SHA256 key for `x-custodian-signature` (32+ characters)",
    secret: true,
  }),
  securityWebhookUrl: optionalText({
    env: "CUSTODIAN_SECURITY_WEBHOOK_URL",
    description: "where security events are posted (https; http only to loopback)",
  }),
  securityWebhookSecret: optionalText({
    env: "CUSTODIAN_SECURITY_WEBHOOK_SECRET",
    description: "HMAC-SHA256 key for its `x-custodian-signature` (32+ characters)",
    secret: true,
  }),
  redisUrl: optionalText(
    {
      env: "CUSTODIAN_REDIS_URL",
      description: "`rediss://` (`redis://` only to loopback): rate-limit and budget counters there",
      // It may hold the Redis password.
      secret: true,
    },
    (value, setting) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new ConfigError(setting, "must be a redis:// or rediss:// URL");
      }
      if ((url.protocol !== "redis:" && url.protocol !== "rediss:") || url.hostname === "")
        throw new ConfigError(setting, "must be a redis:// or rediss:// URL with a host");
      // SEC-2: the password and every counter's key would cross the network in plain text.
      if (url.protocol === "redis:" && !isLoopbackHost(url.hostname))
        throw new ConfigError(setting, "must be a rediss:// URL (plain redis:// only to a loopback address)");
      return value;
    },
  ),
  redisKeyPrefix: text({
    env: "CUSTODIAN_REDIS_KEY_PREFIX",
    default: "custodian:",
    pattern: "^[\\x21-\\x7e]{1,100}$",
    description: "prefix of the counters' Redis keys",
    errorMessage: "must be 1 to 100 printable characters, no spaces",
  }),
  blobStore: choice(["local", "s3"] as const, {
    env: "CUSTODIAN_BLOB_STORE",
    default: "local",
    description: "`s3`: sealed files and weights in an S3-compatible bucket",
    errorMessage: "must be local or s3",
  }),
  publicUrl: optionalText(
    {
      env: "CUSTODIAN_PUBLIC_URL",
      description: "where people reach the web app, for invitation links (https; http to loopback)",
      shownDefault: "the admin's address",
    },
    (value, setting) => urlText(setting)(value),
  ),
  invitationTtlHours: integer({
    env: "CUSTODIAN_INVITATION_TTL_HOURS",
    default: 168,
    minimum: 1,
    maximum: 720,
    description: "how long an invitation or password-reset link stays valid",
  }),
  smtpUrl: optionalText(
    {
      env: "CUSTODIAN_SMTP_URL",
      description: "`smtps://`, or `smtp://` with STARTTLS required (plain only to loopback): sends invites",
      shownDefault: "unset: not emailed",
      // It may hold the SMTP password.
      secret: true,
    },
    (value, setting) => {
      smtpSecurity(setting, value);
      return value;
    },
  ),
  smtpFrom: text({
    env: "CUSTODIAN_SMTP_FROM",
    default: "custodian@localhost",
    description: "the From of invitation and reset emails",
  }),
  smtpCaFile: optionalText(
    { env: "CUSTODIAN_SMTP_CA_FILE", description: "CA (PEM) of the SMTP server's certificate" },
    absolute,
  ),
  s3Bucket: optionalText({
    env: "CUSTODIAN_S3_BUCKET",
    pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
    description: "the bucket (required with `s3`)",
    errorMessage: bucketError,
  }),
  s3Endpoint: optionalText(
    {
      env: "CUSTODIAN_S3_ENDPOINT",
      description: "a compatible server's URL (https; http only to loopback)",
      shownDefault: "unset: AWS S3",
    },
    // SEC-2: sealed objects still travel with their names and sizes; plain http only on this machine.
    (value, setting) => urlText(setting)(value),
  ),
  s3Region: text({
    env: "CUSTODIAN_S3_REGION",
    default: "us-east-1",
    pattern: "^[a-z0-9-]{1,64}$",
    description: "its region; credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_...`",
    errorMessage: "must be a region name",
  }),
};
