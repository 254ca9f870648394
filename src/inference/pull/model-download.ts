// Downloads a model file the way the Hugging Face hub serves it: follows redirects to the CDN, keeps
// the hub's SHA-256 (`x-linked-etag`), resumes a partial file with a Range request after an
// interruption, and verifies the checksum before the file takes its final name.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { request, type Dispatcher } from "undici";
import { pullErrors } from "./pull-errors.ts";

export interface DownloadProgress {
  received: number;
  /** Null when the server does not say. */
  total: number | null;
}

export interface DownloadOptions {
  url: string;
  /** The final path; the partial file sits beside it as `<path>.part` until it is verified. */
  destination: string;
  onProgress?: (progress: DownloadProgress) => void;
  /** Attempts within this pull; a pull run again later resumes from the partial file too. */
  attempts?: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  sizeBytes: number;
  /** True when the hub announced a checksum and it matched. */
  verified: boolean;
}

const maxRedirects = 10;

/** The hub announces an LFS file's SHA-256 as its (linked) ETag: 64 hex digits, maybe quoted or weak. */
function announcedSha256(headers: Record<string, string | string[] | undefined>): string | null {
  for (const name of ["x-linked-etag", "etag"]) {
    const raw = headers[name];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.replace(/^W\//, "").replace(/"/g, "").trim();
    if (value && /^[0-9a-f]{64}$/i.test(value)) return value.toLowerCase();
  }
  return null;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

interface Exchange {
  response: Dispatcher.ResponseData;
  /** The checksum the first (hub) response announced, before any redirect. */
  expectedSha256: string | null;
}

/** GET with redirects followed by hand, so the hub's own headers are read before the CDN's. */
async function get(options: DownloadOptions, offset: number): Promise<Exchange> {
  let url = options.url;
  let expectedSha256: string | null = null;
  for (let hop = 0; hop <= maxRedirects; hop += 1) {
    const response = await request(url, {
      method: "GET",
      headers: { "user-agent": "custodian", ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
      signal: options.signal,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    expectedSha256 ??= announcedSha256(response.headers);
    const location = header(response.headers, "location");
    if (response.statusCode >= 300 && response.statusCode < 400 && location) {
      await response.body.dump();
      url = new URL(location, url).toString();
      continue;
    }
    return { response, expectedSha256 };
  }
  throw pullErrors.tooManyRedirects(new URL(options.url).host);
}

/** Download `options.url` to `options.destination`, resuming and verifying as the hub allows. */
export async function downloadModel(options: DownloadOptions): Promise<DownloadResult> {
  const host = new URL(options.url).host;
  const partial = `${options.destination}.part`;
  const attempts = options.attempts ?? 5;
  let expectedSha256: string | null = null;
  let total: number | null = null;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const offset = await sizeOf(partial);
    let exchange: Exchange;
    try {
      exchange = await get(options, offset);
    } catch (error) {
      if (options.signal?.aborted || !isTransient(error) || attempt === attempts) throw error;
      await sleep(backoffMs(attempt));
      continue;
    }
    const { response } = exchange;
    expectedSha256 = exchange.expectedSha256 ?? expectedSha256;
    let start: number;
    if (response.statusCode === 206) {
      start = offset;
      const range = /bytes (\d+)-\d+\/(\d+|\*)/.exec(header(response.headers, "content-range") ?? "");
      if (!range || Number(range[1]) !== offset) {
        // The server answered another range than asked: start over rather than stitch garbage.
        await response.body.dump();
        await rm(partial, { force: true });
        continue;
      }
      if (range[2] !== "*") total = Number(range[2]);
    } else if (response.statusCode === 200) {
      // The server ignored the Range header (or there was nothing to resume): write from the start.
      start = 0;
      const length = header(response.headers, "content-length");
      total = length ? Number(length) : null;
    } else if (response.statusCode === 416 && offset > 0) {
      // Nothing left to send: the partial file is already whole. The checksum below decides.
      await response.body.dump();
      total = offset;
      break;
    } else {
      await response.body.dump();
      throw pullErrors.httpStatus(host, response.statusCode);
    }
    let received = start;
    options.onProgress?.({ received, total });
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        options.onProgress?.({ received, total });
        done(null, chunk);
      },
    });
    try {
      await pipeline(response.body, counter, createWriteStream(partial, { flags: start > 0 ? "a" : "w" }));
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // The connection broke mid-body: what arrived stays in the partial file for the next attempt.
      if (attempt === attempts) throw pullErrors.interrupted(host, attempts);
      await sleep(backoffMs(attempt));
      continue;
    }
    if (total !== null && received < total) {
      if (attempt === attempts) throw pullErrors.interrupted(host, attempts);
      continue;
    }
    break;
  }
  const sizeBytes = await sizeOf(partial);
  if (total !== null && sizeBytes !== total) {
    if (sizeBytes > total) await rm(partial, { force: true });
    throw sizeBytes < total
      ? pullErrors.interrupted(host, attempts)
      : pullErrors.sizeMismatch(total, sizeBytes);
  }
  const sha256 = await sha256Of(partial);
  if (expectedSha256 && sha256 !== expectedSha256) {
    // A corrupt or substituted file must not be resumed from or served: remove it.
    await rm(partial, { force: true });
    throw pullErrors.checksumMismatch(expectedSha256, sha256);
  }
  await rename(partial, options.destination);
  return { path: options.destination, sha256, sizeBytes, verified: expectedSha256 !== null };
}

function backoffMs(attempt: number): number {
  return Math.min(200 * 2 ** (attempt - 1), 5_000);
}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR_)/.test(code);
}
