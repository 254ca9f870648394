// TLS material: a configured certificate, or on first start a local CA and a certificate for localhost
// signed by it, kept in the data directory. Clients trust `<data dir>/tls/ca.pem`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface TlsMaterial {
  cert: string;
  key: string;
  /** The generated CA's certificate, to hand to clients; null for a configured certificate. */
  caFile: string | null;
}

const tenYears = 10 * 365 * 24 * 3600 * 1000;

export async function tlsMaterial(
  dataDir: string,
  configured: { certFile: string; keyFile: string } | null,
): Promise<TlsMaterial> {
  if (configured) {
    return {
      cert: readFileSync(configured.certFile, "utf8"),
      key: readFileSync(configured.keyFile, "utf8"),
      caFile: null,
    };
  }
  const directory = path.join(dataDir, "tls");
  const files = {
    ca: path.join(directory, "ca.pem"),
    cert: path.join(directory, "cert.pem"),
    key: path.join(directory, "key.pem"),
  };
  if (!existsSync(files.cert) || !existsSync(files.key) || !existsSync(files.ca)) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    // Loaded only here, for the first start without certificates: it pulls in a whole X.509 toolkit.
    const { generate } = await import("selfsigned");
    const notBeforeDate = new Date(Date.now() - 60_000);
    const notAfterDate = new Date(Date.now() + tenYears);
    const ca = await generate([{ name: "commonName", value: "Custodian local CA" }], {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      ],
    });
    const leaf = await generate([{ name: "commonName", value: "localhost" }], {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notBeforeDate,
      notAfterDate,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 7, ip: "127.0.0.1" },
            { type: 7, ip: "::1" },
          ],
        },
      ],
    });
    writeFileSync(files.key, leaf.private, { mode: 0o600 });
    writeFileSync(files.cert, leaf.cert, { mode: 0o644 });
    writeFileSync(files.ca, ca.cert, { mode: 0o644 });
    // The CA's private key is not kept: nothing else will ever be signed with it.
  }
  return { cert: readFileSync(files.cert, "utf8"), key: readFileSync(files.key, "utf8"), caFile: files.ca };
}
