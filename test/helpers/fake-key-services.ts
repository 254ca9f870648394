// Small stand-ins for the customer's key services, outside the system: an AWS KMS endpoint (the JSON
// protocol the AWS SDK speaks) and a Vault transit engine (Vault's documented HTTP API), on 127.0.0.1.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeKeyService {
  url: string;
  /** Customer switches: a disabled key refuses every operation. */
  enabled: boolean;
  /** Vault only: add a key version; new encryptions use it. */
  rotate(): void;
  calls: number;
  close(): Promise<void>;
}

function encrypt(secret: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secret, nonce);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

function decrypt(secret: Buffer, sealed: Buffer, aad: string): Buffer | null {
  try {
    const decipher = createDecipheriv("aes-256-gcm", secret, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
  } catch {
    return null;
  }
}

async function serve(
  handler: (request: IncomingMessage, body: Record<string, unknown>) => { status: number; body: unknown },
): Promise<{ url: string; server: Server }> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = "";
    request.on("data", (chunk) => (raw += chunk));
    request.on("end", () => {
      const { status, body } = handler(request, raw ? (JSON.parse(raw) as Record<string, unknown>) : {});
      response.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function closer(server: Server) {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export const kmsKeyId = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

export async function startFakeKms(): Promise<FakeKeyService> {
  const secret = randomBytes(32);
  const state = { enabled: true, calls: 0 };
  const { url, server } = await serve((request, body) => {
    state.calls += 1;
    const target = String(request.headers["x-amz-target"]);
    if (!state.enabled)
      return { status: 400, body: { __type: "DisabledException", message: "key is disabled" } };
    const context = JSON.stringify(body.EncryptionContext ?? {});
    if (target === "TrentService.Encrypt") {
      if (body.KeyId !== kmsKeyId)
        return { status: 400, body: { __type: "NotFoundException", message: "no key" } };
      const blob = encrypt(secret, Buffer.from(String(body.Plaintext), "base64"), context);
      return { status: 200, body: { CiphertextBlob: blob.toString("base64"), KeyId: kmsKeyId } };
    }
    if (target === "TrentService.Decrypt") {
      const plaintext = decrypt(secret, Buffer.from(String(body.CiphertextBlob), "base64"), context);
      if (!plaintext) return { status: 400, body: { __type: "InvalidCiphertextException", message: "bad" } };
      return { status: 200, body: { Plaintext: plaintext.toString("base64"), KeyId: kmsKeyId } };
    }
    return { status: 400, body: { __type: "UnsupportedOperationException", message: target } };
  });
  return Object.assign(state, { url, rotate: () => undefined, close: closer(server) });
}

export async function startFakeVault(token: string): Promise<FakeKeyService> {
  const versions = [randomBytes(32)];
  const state = { enabled: true, calls: 0 };
  const { url, server } = await serve((request, body) => {
    state.calls += 1;
    if (request.headers["x-vault-token"] !== token)
      return { status: 403, body: { errors: ["permission denied"] } };
    if (!state.enabled) return { status: 400, body: { errors: ["key is disabled"] } };
    const operation = /^\/v1\/transit\/(encrypt|decrypt|rewrap)\/[\w-]+$/.exec(request.url ?? "")?.[1];
    const context = String(body.context ?? "");
    const sealNew = (plaintext: Buffer) => {
      const version = versions.length;
      return `vault:v${version}:${encrypt(versions[version - 1]!, plaintext, context).toString("base64")}`;
    };
    const openOld = (ciphertext: string) => {
      const match = /^vault:v(\d+):(.+)$/.exec(ciphertext);
      const key = match ? versions[Number(match[1]) - 1] : undefined;
      return key && match ? decrypt(key, Buffer.from(match[2]!, "base64"), context) : null;
    };
    if (operation === "encrypt") {
      return {
        status: 200,
        body: { data: { ciphertext: sealNew(Buffer.from(String(body.plaintext), "base64")) } },
      };
    }
    const plaintext = openOld(String(body.ciphertext));
    if (!plaintext) return { status: 400, body: { errors: ["cipher: message authentication failed"] } };
    if (operation === "decrypt")
      return { status: 200, body: { data: { plaintext: plaintext.toString("base64") } } };
    if (operation === "rewrap") return { status: 200, body: { data: { ciphertext: sealNew(plaintext) } } };
    return { status: 404, body: { errors: [] } };
  });
  return Object.assign(state, {
    url,
    rotate: () => void versions.push(randomBytes(32)),
    close: closer(server),
  });
}
