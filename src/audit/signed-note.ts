// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519: signing, verifier keys as text, and
// opening a note with one trusted key, compatible with Go's golang.org/x/mod/sumdb/note.
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

const ed25519Type = 0x01;
/** "— ": U+2014 EM DASH, then a space. */
const signaturePrefix = "\u2014 ";
/** The DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow it. */
const spkiPrefix = Buffer.from("302a300506032b6570032100", "hex");

export interface NoteVerifier {
  name: string;
  /** The 4-byte key id: SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
  keyId: Buffer;
  publicKey: KeyObject;
  /** The verifier key as text: <name>+<hex key id>+<base64(0x01 || public key)>. */
  text: string;
}

/** Key names are non-empty and hold neither Unicode spaces nor "+" (the spec's only rule). */
export function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

export function noteKeyId(name: string, rawPublicKey: Buffer): Buffer {
  return createHash("sha256")
    .update(name, "utf8")
    .update(Buffer.of(0x0a, ed25519Type))
    .update(rawPublicKey)
    .digest()
    .subarray(0, 4);
}

export function rawPublicKey(publicKey: KeyObject): Buffer {
  const der = publicKey.export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(spkiPrefix.length));
}

export function noteVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  if (!validKeyName(name)) throw new Error("A signed-note key name holds no spaces and no '+'.");
  const raw = rawPublicKey(publicKey);
  const keyId = noteKeyId(name, raw);
  const text = `${name}+${keyId.toString("hex")}+${Buffer.concat([Buffer.of(ed25519Type), raw]).toString("base64")}`;
  return { name, keyId, publicKey, text };
}

/** Parses a verifier key; null when it is not one (wrong shape, type, length or key id). */
export function parseVerifierKey(text: string): NoteVerifier | null {
  const parts = text.trim().split("+");
  // The base64 part may itself hold "+": the name and the hex id are the first two fields.
  if (parts.length < 3) return null;
  const [name, hex] = parts as [string, string];
  const encoded = parts.slice(2).join("+");
  if (!validKeyName(name) || !/^[0-9a-f]{8}$/.test(hex) || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded))
    return null;
  const decoded = Buffer.from(encoded, "base64");
  if (decoded.length !== 33 || decoded[0] !== ed25519Type) return null;
  const raw = decoded.subarray(1);
  if (noteKeyId(name, raw).toString("hex") !== hex) return null;
  const publicKey = createPublicKey({ key: Buffer.concat([spkiPrefix, raw]), format: "der", type: "spki" });
  return { name, keyId: Buffer.from(hex, "hex"), publicKey, text: `${name}+${hex}+${encoded}` };
}

/** Sign a note's text (which ends with a newline) and return the whole note with its signature line. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  if (!text.endsWith("\n") || text.includes("\n\n")) throw new Error("A note's text ends with one newline.");
  const verifier = noteVerifier(name, createPublicKey(privateKey));
  const signature = sign(null, Buffer.from(text, "utf8"), privateKey);
  const encoded = Buffer.concat([verifier.keyId, signature]).toString("base64");
  return `${text}\n${signaturePrefix}${name} ${encoded}\n`;
}

/**
 * The text of a note signed by `verifier`, or null when no signature line of that key verifies. Lines
 * of other keys are ignored, as the spec asks; a line of this key that does not verify rejects the note.
 */
export function openNote(note: string, verifier: NoteVerifier): string | null {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) return null;
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split("\n");
  if (lines.length === 0 || lines.length > 100) return null;
  let verified = false;
  for (const line of lines) {
    if (!line.startsWith(signaturePrefix)) return null;
    const [name, encoded, ...rest] = line.slice(signaturePrefix.length).split(" ");
    if (!name || !encoded || rest.length > 0) return null;
    const signature = Buffer.from(encoded, "base64");
    if (signature.length < 5 || signature.toString("base64") !== encoded) return null;
    if (name !== verifier.name || !signature.subarray(0, 4).equals(verifier.keyId)) continue;
    if (!verify(null, Buffer.from(text, "utf8"), verifier.publicKey, signature.subarray(4))) return null;
    verified = true;
  }
  return verified ? text : null;
}
