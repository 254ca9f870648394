// The checkpoint signing key: an Ed25519 key in its own 0600 file outside the database, sealed by the
// master key, with its public verifier key in clear beside it so that anyone may print and share it.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Keyring } from "../crypto/keyring.ts";
import { auditErrors } from "./audit-errors.ts";
import { noteVerifier, parseVerifierKey, type NoteVerifier } from "./signed-note.ts";

export const auditKeyFileName = "audit-signing.key";
const fileFormat = "custodian-audit-signing-key/1";

export interface AuditSigningKey {
  /** The key name, which is also the log's origin line. */
  name: string;
  privateKey: KeyObject;
  verifier: NoteVerifier;
}

type SecretWrapper = Pick<Keyring, "wrapSystemSecret" | "unwrapSystemSecret">;

interface KeyFile {
  format: string;
  verifier_key: string;
  sealed_private_key: string;
}

/**
 * Where the key lives: beside the master key file when that is a file (nodes that share the master
 * key file then share this key too), else in the data directory; an existing file wins, and a
 * directory the process cannot write (a read-only secret mount) is passed over when creating one.
 */
export function auditKeyFile(options: { dataDir: string; masterKeyFile: string | null }): string {
  const directories = [
    ...(options.masterKeyFile ? [path.dirname(options.masterKeyFile)] : []),
    options.dataDir,
  ];
  const candidates = directories.map((directory) => path.join(directory, auditKeyFileName));
  const existing = candidates.find((file) => existsSync(file));
  if (existing) return existing;
  const writable = directories.findIndex((directory) => {
    try {
      accessSync(directory, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  });
  return candidates[Math.max(writable, 0)]!;
}

function readKeyFile(file: string): KeyFile {
  const mode = statSync(file).mode;
  if ((mode & 0o077) !== 0) {
    throw auditErrors.signingKeyFile(
      file,
      `is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`,
    );
  }
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<KeyFile>;
    if (
      parsed.format === fileFormat &&
      typeof parsed.verifier_key === "string" &&
      typeof parsed.sealed_private_key === "string"
    )
      return parsed as KeyFile;
  } catch {
    // Reported below with the file's name, the same as a wrong shape.
  }
  throw auditErrors.signingKeyFile(file, "is not an audit signing key file");
}

/** The public half, read without the master key: for `audit public-key` and for verification. */
export function readVerifierKey(file: string): NoteVerifier {
  const verifier = parseVerifierKey(readKeyFile(file).verifier_key);
  if (!verifier) throw auditErrors.signingKeyFile(file, "holds no valid verifier key");
  return verifier;
}

function create(file: string, keyring: SecretWrapper): void {
  const name = `custodian-audit/${randomBytes(8).toString("hex")}`;
  const { privateKey } = generateKeyPairSync("ed25519");
  const sealed = keyring.wrapSystemSecret(
    `audit-signing-key:${name}`,
    privateKey.export({ format: "der", type: "pkcs8" }),
  );
  const content: KeyFile = {
    format: fileFormat,
    verifier_key: noteVerifier(name, createPublicKey(privateKey)).text,
    sealed_private_key: sealed.toString("base64"),
  };
  try {
    // "wx": two processes starting at once cannot each make a different key; the loser reads the winner's.
    writeFileSync(file, JSON.stringify(content, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) {
      throw auditErrors.signingKeyFile(file, "could not be created");
    }
  }
}

/** Load the signing key, creating it on first use; the private half needs the master key. */
export function loadAuditSigningKey(file: string, keyring: SecretWrapper): AuditSigningKey {
  if (!existsSync(file)) create(file, keyring);
  const content = readKeyFile(file);
  const verifier = parseVerifierKey(content.verifier_key);
  if (!verifier) throw auditErrors.signingKeyFile(file, "holds no valid verifier key");
  let privateKey: KeyObject;
  try {
    const der = keyring.unwrapSystemSecret(
      `audit-signing-key:${verifier.name}`,
      Buffer.from(content.sealed_private_key, "base64"),
    );
    privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } catch {
    throw auditErrors.signingKeyFile(file, "cannot be opened with this master key");
  }
  const publicKey = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  if (!publicKey.equals(verifier.publicKey.export({ format: "der", type: "spki" }))) {
    throw auditErrors.signingKeyFile(file, "holds a public key that is not the private key's");
  }
  return { name: verifier.name, privateKey, verifier };
}
