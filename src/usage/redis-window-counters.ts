// The window counters in Redis, when CUSTODIAN_REDIS_URL is set: each call is one Lua script, so
// counting a request in all its windows (HINCRBY, then EXPIRE on a new window) is atomic and one round
// trip however many nodes share the Redis. Windows are cut by Redis's own clock (TIME), so nodes whose
// clocks disagree still share one minute, day and month.
//
// The script builds its keys from that clock, so it needs a single Redis (or a primary with replicas),
// not Redis Cluster. When Redis cannot be reached, calls fail at once with a 503 (no offline queue), so a
// request is never admitted unchecked and never waits for a reconnect.
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { ConfigError } from "../config/config.ts";
import { usageErrors } from "./usage-errors.ts";
import type { CounterPeriod } from "./usage-tables.ts";
import {
  periods,
  type CounterKey,
  type CounterState,
  type CreditedCounter,
  type TokenCredit,
  type WindowCounters,
} from "./usage-counters.ts";

/**
 * ARGV: key prefix, mode ("count" adds a request, "credit" adds tokens), then (subject, period, amount)
 * triples. Returns (window start in seconds, requests, tokens) per triple, then Redis's clock in ms.
 */
const script = `
local time = redis.call('TIME')
local now = tonumber(time[1])
local nowMs = now * 1000 + math.floor(tonumber(time[2]) / 1000)
local function windowStart(period)
  if period == 'minute' then return now - now % 60 end
  local dayStart = now - now % 86400
  if period == 'day' then return dayStart end
  -- The day of the month (Hinnant's days-to-civil), to step back to the 1st of this UTC month.
  local z = dayStart / 86400 + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local dom = doy - math.floor((153 * mp + 2) / 5) + 1
  return dayStart - (dom - 1) * 86400
end
-- Longer than any window is long, so a window outlives its own end and then goes by itself.
local ttl = { minute = 120, day = 172800, month = 2764800 }
local counting = ARGV[2] == 'count'
local out = {}
for i = 3, #ARGV, 3 do
  local period = ARGV[i + 1]
  local start = windowStart(period)
  local key = ARGV[1] .. ARGV[i] .. ':' .. period .. ':' .. start
  local requests, tokens
  if counting then
    requests = redis.call('HINCRBY', key, 'requests', 1)
    tokens = tonumber(redis.call('HGET', key, 'tokens') or '0')
  else
    tokens = redis.call('HINCRBY', key, 'tokens', ARGV[i + 2])
    requests = tonumber(redis.call('HGET', key, 'requests') or '0')
  end
  if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ttl[period]) end
  out[#out + 1] = start
  out[#out + 1] = requests
  out[#out + 1] = tokens
end
out[#out + 1] = nowMs
return out
`;
const scriptSha = createHash("sha1").update(script).digest("hex");

interface Window {
  subject: string;
  period: CounterPeriod;
  windowStart: Date;
  requests: number;
  tokens: number;
}

/** The URL without any password, safe for messages and logs. */
function describe(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

export class RedisWindowCounters implements WindowCounters {
  readonly store = "redis";
  readonly transactional = false;
  readonly #client: Redis;
  readonly #prefix: string;

  private constructor(client: Redis, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  /**
   * Connect, or fail start-up with a message naming the setting: limits that are configured to hold
   * across nodes must not quietly fall back to this node's database.
   */
  static async connect(options: {
    url: string;
    keyPrefix: string;
    logger: Logger;
    /** How long one call may wait for Redis before the request gets a 503. */
    commandTimeoutMs?: number;
  }): Promise<RedisWindowCounters> {
    const client = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      commandTimeout: options.commandTimeoutMs ?? 1_000,
      // Keep trying in the background after a loss; requests get 503 meanwhile.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    let connected = false;
    let reported = false;
    let lastError: Error | null = null;
    client.on("error", (error: Error) => {
      lastError = error;
      // At start the failure is thrown instead; later, once per outage (ioredis reports every retry).
      if (!connected || reported) return;
      reported = true;
      options.logger.error(
        { failure: (error as { code?: string }).code ?? error.name, redis: describe(options.url) },
        "redis unreachable: rate-limited requests answer 503",
      );
    });
    client.on("ready", () => {
      if (reported) options.logger.info({ redis: describe(options.url) }, "redis reachable again");
      reported = false;
    });
    try {
      await client.connect();
      await client.ping();
      connected = true;
    } catch (error) {
      client.disconnect();
      const cause = (lastError ?? error) as { code?: string; message?: string };
      throw new ConfigError(
        "CUSTODIAN_REDIS_URL",
        `cannot connect to ${describe(options.url)} (${cause.code ?? cause.message ?? "unknown error"})`,
      );
    }
    return new RedisWindowCounters(client, options.keyPrefix);
  }

  async #run(mode: "count" | "credit", triples: Array<[string, CounterPeriod, number]>) {
    const args = [
      this.#prefix,
      mode,
      ...triples.flatMap(([subject, period, amount]) => [subject, period, amount]),
    ];
    let reply: unknown;
    try {
      reply = await this.#client.evalsha(scriptSha, 0, ...args).catch((error: unknown) => {
        // First use on this Redis (or after a restart or SCRIPT FLUSH): send the script itself.
        if (error instanceof Error && error.message.startsWith("NOSCRIPT"))
          return this.#client.eval(script, 0, ...args);
        throw error;
      });
    } catch (error) {
      throw usageErrors.counterStoreUnavailable(error);
    }
    const values = (reply as Array<number | string>).map(Number);
    const windows: Window[] = triples.map(([subject, period], index) => ({
      subject,
      period,
      windowStart: new Date(values[index * 3]! * 1_000),
      requests: values[index * 3 + 1]!,
      tokens: values[index * 3 + 2]!,
    }));
    return { windows, now: new Date(values[values.length - 1]!) };
  }

  async countRequest(keys: CounterKey[]): Promise<CounterState[]> {
    if (keys.length === 0) return [];
    const { windows, now } = await this.#run(
      "count",
      keys.map((key) => [key.subject, key.period, 1]),
    );
    return windows.map((window) => ({ ...window, now }));
  }

  async creditTokens(credits: TokenCredit[]): Promise<CreditedCounter[]> {
    if (credits.length === 0) return [];
    const triples = credits.flatMap((credit) =>
      periods.map((period): [string, CounterPeriod, number] => [credit.subject, period, credit.tokens]),
    );
    const { windows } = await this.#run("credit", triples);
    return windows.map((window, index) => ({
      subject: window.subject,
      period: window.period,
      windowStart: window.windowStart,
      tokensAfter: window.tokens,
      tokensBefore: window.tokens - triples[index]![2],
    }));
  }

  async prune(): Promise<void> {
    // Every window expires by itself.
  }

  async close(): Promise<void> {
    await this.#client.quit().catch(() => this.#client.disconnect());
  }
}
