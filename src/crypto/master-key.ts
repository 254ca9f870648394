// The master key: it lives outside the database (a 0600 file created on first start, or the
// environment) and only ever wraps other keys.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { MasterKeySource } from "../config/config.ts";

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MasterKeyError";
  }
}

export function loadMasterKey(source: MasterKeySource): Buffer {
  if (source.kind === "env") return source.key;
  let stat;
  try {
    stat = statSync(source.path);
  } catch {
    mkdirSync(path.dirname(source.path), { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    // "wx" refuses to overwrite: two processes starting at once cannot each make a different key.
    try {
      writeFileSync(source.path, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
      return key;
    } catch {
      stat = statSync(source.path);
    }
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new MasterKeyError(
      `The master key file ${source.path} is readable by others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it.`,
    );
  }
  const key = Buffer.from(readFileSync(source.path, "utf8").trim(), "base64");
  if (key.length !== 32)
    throw new MasterKeyError(`The master key file ${source.path} does not hold a 32-byte key.`);
  return key;
}

/** Tighten a key file another tool created too loosely; used by `custodian` only on request. */
export function restrictKeyFile(file: string): void {
  chmodSync(file, 0o600);
}
