// SEC-2 to the database: a PostgreSQL server on another host is reached over TLS whose certificate is
// verified against the configured CA and whose name is checked (verify-full), whatever the URL says;
// plain text to it is refused at start. A real PostgreSQL server, started here with a CA of its own.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { databaseTarget, openDatabase, type Db } from "../src/db/database.ts";
import { settingOf } from "./helpers/config.ts";
import { nonLoopbackAddress, urlHost } from "./helpers/non-loopback-address.ts";
import { startPostgresServer, type PostgresServer } from "./helpers/postgres-server.ts";

/** A CA, and a server certificate it signs for `address` only. */
async function certificateAuthority(name: string, address: string) {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 24 * 3_600_000);
  const ca = await generate([{ name: "commonName", value: name }], {
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
  const leaf = await generate([{ name: "commonName", value: address }], {
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
      { name: "subjectAltName", altNames: [{ type: 7, ip: address }] },
    ],
  });
  return { caCert: ca.cert, cert: leaf.cert, key: leaf.private };
}

/** Whether this connection is TLS, and which version: from the server's own view of it. */
async function transportOf(db: Db): Promise<{ ssl: boolean; version: string | null }> {
  const { rows } = await sql<{
    ssl: boolean;
    version: string | null;
  }>`select ssl, version from pg_stat_ssl where pid = pg_backend_pid()`.execute(db);
  return rows[0]!;
}

describe("TLS to a PostgreSQL server on another host, with its own CA", () => {
  let directory: string;
  let address: string;
  let server: PostgresServer;
  let caFile: string;
  let otherCaFile: string;
  /** The server by its non-loopback address: another host, as far as any client can tell. */
  let remoteUrl: string;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), "custodian-tls-database-"));
    address = nonLoopbackAddress();
    const own = await certificateAuthority("Database CA", address);
    const other = await certificateAuthority("Some other CA", address);
    caFile = path.join(directory, "database-ca.pem");
    otherCaFile = path.join(directory, "other-ca.pem");
    writeFileSync(caFile, own.caCert);
    writeFileSync(otherCaFile, other.caCert);
    server = await startPostgresServer({ addresses: ["127.0.0.1", address], tls: own });
    remoteUrl = `postgres://postgres@${urlHost(address)}:${server.port}/postgres`;
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it("[SEC-2] reaches it over verified TLS 1.2+ with no sslmode in the URL, given CUSTODIAN_DATABASE_CA_FILE", async () => {
    const config = loadConfig({ CUSTODIAN_DATABASE_URL: remoteUrl, CUSTODIAN_DATABASE_CA_FILE: caFile });
    const db = await openDatabase(databaseTarget(config));
    try {
      const transport = await transportOf(db);
      expect(transport.ssl).toBe(true);
      expect(transport.version).toMatch(/^TLSv1\.[23]$/);
    } finally {
      await db.destroy();
    }
  }, 120_000);

  it("[SEC-2] the same server over loopback without sslmode is plain text: the check above can tell the two apart", async () => {
    const config = loadConfig({
      CUSTODIAN_DATABASE_URL: `postgres://postgres@127.0.0.1:${server.port}/postgres`,
    });
    const db = await openDatabase(databaseTarget(config));
    try {
      expect(await transportOf(db)).toEqual({ ssl: false, version: null });
    } finally {
      await db.destroy();
    }
  }, 120_000);

  it("[SEC-2] with neither sslmode nor a CA file it still insists on TLS, and refuses a certificate no trusted CA signed", async () => {
    const config = loadConfig({ CUSTODIAN_DATABASE_URL: remoteUrl });
    const failure = await openDatabase(databaseTarget(config)).catch((error: unknown) => error);
    if (!(failure instanceof Error)) await (failure as Db).destroy();
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/certificate/);
  }, 120_000);

  it("[SEC-2] refuses it when its certificate is signed by a CA other than the configured one", async () => {
    const config = loadConfig({ CUSTODIAN_DATABASE_URL: remoteUrl, CUSTODIAN_DATABASE_CA_FILE: otherCaFile });
    const failure = await openDatabase(databaseTarget(config)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/certificate/);
  }, 120_000);

  it("[SEC-2] refuses a certificate that names another host, even from the configured CA (verify-full)", async () => {
    // The server's certificate names only its non-loopback address; 127.0.0.1 is another name for it.
    const config = loadConfig({
      CUSTODIAN_DATABASE_URL: `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=verify-full`,
      CUSTODIAN_DATABASE_CA_FILE: caFile,
    });
    const failure = await openDatabase(databaseTarget(config)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/does not match certificate's altnames/);
  }, 120_000);

  it("[SEC-2] refuses plain text, or TLS that skips the host name, to a server on another host", async () => {
    expect(settingOf({ CUSTODIAN_DATABASE_URL: `${remoteUrl}?sslmode=disable` })).toBe(
      "CUSTODIAN_DATABASE_URL",
    );
    expect(settingOf({ CUSTODIAN_DATABASE_URL: `${remoteUrl}?sslmode=verify-ca` })).toBe(
      "CUSTODIAN_DATABASE_URL",
    );
    expect(() => loadConfig({ CUSTODIAN_DATABASE_URL: `${remoteUrl}?sslmode=disable` })).toThrow(
      /plain text/,
    );
    // On this machine plain text stays allowed: it never crosses a network.
    expect(
      loadConfig({
        CUSTODIAN_DATABASE_URL: `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable`,
      }).databaseUrl,
    ).toContain("127.0.0.1");
    // Nothing that opens the database without the configuration's checks falls back to plain text either.
    const failure = await openDatabase({ url: `${remoteUrl}?sslmode=disable`, pgliteDir: "memory://" }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/plain text/);
  }, 120_000);
});
