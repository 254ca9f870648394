// Password hashing for the local bootstrap account: scrypt from node:crypto with a per-password salt.
// At most a few hashes run at once (scrypt takes a thread of libuv's small pool and 16 MiB each) and a
// bounded number wait; past that a sign-in is answered 503 with `retry-after`, so a flood of bogus
// sign-ins cannot hold every thread and slow everyone else (CTL-1).
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { CustodianError } from "../core/errors.ts";

const parameters = { N: 16_384, r: 8, p: 1, keyLength: 64 } as const;

export const passwordHashingLimits = { running: 2, waiting: 32 } as const;

let running = 0;
let peakRunning = 0;
const waiting: Array<() => void> = [];

export const passwordHashingBusy = () =>
  new CustodianError("Too many sign-ins are being checked right now. Please try again shortly.", {
    status: 503,
    type: "server_error",
    code: "sign_in_busy",
    retryable: true,
    headers: { "retry-after": "1" },
  });

/** The most hashes that ran at once since the last reset (for tests and the benchmark). */
export function passwordHashingPeak(reset = false): number {
  const peak = peakRunning;
  if (reset) peakRunning = running;
  return peak;
}

async function gated<T>(work: () => Promise<T>): Promise<T> {
  if (running >= passwordHashingLimits.running) {
    if (waiting.length >= passwordHashingLimits.waiting) throw passwordHashingBusy();
    // The finishing hash hands its place over directly, so `running` never passes the limit.
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running += 1;
  peakRunning = Math.max(peakRunning, running);
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

function derive(password: string, salt: Buffer, options: ScryptOptions, keyLength: number): Promise<Buffer> {
  return gated(() => scryptOnce(password, salt, options, keyLength));
}

function scryptOnce(
  password: string,
  salt: Buffer,
  options: ScryptOptions,
  keyLength: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFKC"),
      salt,
      keyLength,
      { ...options, maxmem: 64 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** "scrypt$N$r$p$salt$hash" (base64url), so parameters can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p, keyLength } = parameters;
  const key = await derive(password, salt, { N, r, p }, keyLength);
  return ["scrypt", N, r, p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const expected = Buffer.from(parts[5]!, "base64url");
  const key = await derive(password, Buffer.from(parts[4]!, "base64url"), { N, r, p }, expected.length);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash no password matches, checked when the user is unknown so timing does not reveal who exists. */
export const decoyPasswordHash = `scrypt$${parameters.N}$${parameters.r}$${parameters.p}$${Buffer.alloc(16).toString("base64url")}$${Buffer.alloc(64).toString("base64url")}`;
