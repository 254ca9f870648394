// Checks an audit inclusion proof the way an organisation would, with code of its own: RFC 6962's
// recursive definition (not RFC 9162's loop that src/audit uses) and node:crypto for the signed note.
import { createHash, createPublicKey, verify } from "node:crypto";

const sha256 = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();

/** The root PATH(m, D[n]) leads to, walking RFC 6962's recursion from the top (the path's last hash). */
function rootFromPath(index: number, size: number, leaf: Buffer, path: Buffer[]): Buffer {
  if (size === 1) {
    if (path.length !== 0) throw new Error("path too long");
    return leaf;
  }
  if (path.length === 0) throw new Error("path too short");
  let k = 1;
  while (k * 2 < size) k *= 2;
  const top = path.at(-1)!;
  const rest = path.slice(0, -1);
  return index < k
    ? sha256(Buffer.of(1), rootFromPath(index, k, leaf, rest), top)
    : sha256(Buffer.of(1), top, rootFromPath(index - k, size - k, leaf, rest));
}

/** The checkpoint's origin, size and root if `publicKey` (a verifier key) signed it; throws otherwise. */
export function openCheckpointIndependently(note: string, publicKey: string) {
  const [name, hex] = publicKey.split("+");
  const raw = Buffer.from(publicKey.split("+").slice(2).join("+"), "base64");
  if (raw[0] !== 1 || raw.length !== 33) throw new Error("not an Ed25519 verifier key");
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw.subarray(1)]),
    format: "der",
    type: "spki",
  });
  const keyId = sha256(Buffer.from(`${name}\n`), raw).subarray(0, 4);
  if (keyId.toString("hex") !== hex) throw new Error("key id does not match");
  const [body, signatures] = note.split("\n\n") as [string, string];
  const text = `${body}\n`;
  const line = signatures.split("\n").find((candidate) => candidate.startsWith(`\u2014 ${name} `));
  if (!line) throw new Error("no signature of this key");
  const signature = Buffer.from(line.split(" ")[2]!, "base64");
  if (!signature.subarray(0, 4).equals(keyId)) throw new Error("signature of another key");
  if (!verify(null, Buffer.from(text), key, signature.subarray(4))) throw new Error("bad signature");
  const [origin, size, root] = body.split("\n");
  return { origin: origin!, size: Number(size), root: Buffer.from(root!, "base64") };
}

/** Whether entry bytes `leafInput` sit at `index` in the tree the signed checkpoint commits to. */
export function checkInclusionIndependently(proof: {
  leafInput: string;
  index: number;
  path: string[];
  checkpoint: string;
  publicKey: string;
}): { size: number } {
  const checkpoint = openCheckpointIndependently(proof.checkpoint, proof.publicKey);
  const leaf = sha256(Buffer.of(0), Buffer.from(proof.leafInput, "utf8"));
  const root = rootFromPath(
    proof.index,
    checkpoint.size,
    leaf,
    proof.path.map((hash) => Buffer.from(hash, "base64")),
  );
  if (!root.equals(checkpoint.root)) throw new Error("the path does not lead to the signed root");
  return { size: checkpoint.size };
}
